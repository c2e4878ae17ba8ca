import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { withTunedMalloc } from '../process/malloc-tuning.js';

export interface ChildNode {
  name: string;
  /** The JSON line the command printed when it was ready (`--json`). */
  info: Record<string, unknown>;
  process: ChildProcess;
  exited: Promise<number>;
  stop(): Promise<void>;
}

/**
 * Runs `idlegrid --json ARGS` as a separate process (a coordinator or a provider), its
 * stderr logged to DIR/logs/NAME.log, and resolves with the first JSON line it prints.
 */
export async function startChildNode(
  cliPath: string,
  name: string,
  args: readonly string[],
  options: { dataDir: string; timeoutMs?: number },
): Promise<ChildNode> {
  await mkdir(join(options.dataDir, 'logs'), { recursive: true });
  const log = createWriteStream(join(options.dataDir, 'logs', `${name}.log`), { flags: 'a' });
  // The child watches its stdin: when this process dies, however it dies, the pipe closes
  // and the child shuts down instead of living on as an orphan.
  const child = spawn(process.execPath, [cliPath, '--json', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...withTunedMalloc(process.env), IDLEGRID_EXIT_WITH_PARENT: '1' },
  });
  child.stderr!.pipe(log);
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));

  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => fail(`no answer within ${options.timeoutMs ?? 30_000} ms`),
      options.timeoutMs ?? 30_000,
    );
    function fail(reason: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new IdlegridError('INTERNAL', `${name} did not start: ${reason} (see logs/${name}.log)`));
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      if ('error' in line) fail(JSON.stringify(line.error));
      else resolve(line);
    });
    const onExit = (code: number | null) => fail(`exited with code ${code}`);
    child.once('exit', onExit);
  });

  return {
    name,
    info,
    process: child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
