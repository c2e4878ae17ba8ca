import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { anvilBinaryPath } from '@idlegrid/contracts';

const BENCHMARKS_MD = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));

/** One line naming the machine, runtime and date, printed above every result. */
export function machineLine(): string {
  const anvil = execFileSync(anvilBinaryPath(), ['--version']).toString().split('\n')[0]!.trim();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${Math.round(totalmem() / 2 ** 30)} GiB`;
  return `${new Date().toISOString().slice(0, 10)} · ${cpu}, ${cpus().length} cores, ${memory} · Node ${process.version} · ${anvil}`;
}

/**
 * Replaces (or appends) the section of docs/benchmarks.md between the markers for `id`,
 * so each benchmark rewrites only its own results.
 */
export function writeSection(id: string, markdown: string): void {
  const start = `<!-- bench:${id}:start -->`;
  const end = `<!-- bench:${id}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(BENCHMARKS_MD)
    ? readFileSync(BENCHMARKS_MD, 'utf8')
    : '# Benchmarks\n\nWritten by `npm run bench`; each section names its machine and date.\n';
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(BENCHMARKS_MD, next);
}

export function markdownTable(header: string[], rows: (string | number | bigint)[][]): string {
  const line = (cells: (string | number | bigint)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
