import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PreparedTask } from '../../runtimes/api.js';
import { createWasmExecutor } from '../../runtimes/wasm/wasm-executor.js';
import { merkleRoot, parseFindings, type ReportReading, readingLeaf, reportInput } from './report-input.js';

const packageRoot = new URL('../../../', import.meta.url);
let module: PreparedTask;

beforeAll(async () => {
  execFileSync(process.execPath, [new URL('scripts/build-examples.mjs', packageRoot).pathname], {
    stdio: 'pipe',
  });
  const executor = createWasmExecutor({ limits: { memoryBytes: 64 * 1024 * 1024, wallTimeMs: 20_000 } });
  module = await executor.prepare(readFileSync(new URL('examples/wasm/build/feed-report.wasm', packageRoot)));
}, 120_000);

const FROM = Date.UTC(2026, 5, 1);
const HOUR = 3_600_000;

/** Two cells over six hours; in cell B at hour 4 one station reads 9 degrees above the other, and cell A's hour 5 is hot. */
function readings(): ReportReading[] {
  const out: ReportReading[] = [];
  let seq = 0;
  for (let hour = 0; hour < 6; hour++)
    for (const [device, cell, base] of [
      ['0xa1', 'u4pru', 20],
      ['0xa2', 'u4pru', 20.4],
      ['0xb1', 'sp3e9', 10],
      ['0xb2', 'sp3e9', 10.2],
    ] as const)
      for (const minute of [0, 30]) {
        let value = base + hour * 0.1 + minute / 300;
        if (cell === 'u4pru' && hour === 5) value += 6;
        if (device === '0xb2' && hour === 4) value += 9;
        out.push({ device, seq: seq++, t: FROM + hour * HOUR + minute * 60_000, cell, value });
      }
  return out;
}

/** An independent reference of the module: each device's hourly mean, then per (cell, hour). */
function reference(data: ReportReading[], kind: 'anomalies' | 'disagreement', threshold: number) {
  const byHour = new Map<string, Map<string, number[]>>();
  for (const r of data) {
    const key = `${r.cell}|${Math.floor((r.t - FROM) / HOUR)}`;
    const devices = byHour.get(key) ?? new Map<string, number[]>();
    byHour.set(key, devices);
    devices.set(r.device, [...(devices.get(r.device) ?? []), Math.fround(r.value)]);
  }
  const hourly = [...byHour].map(([key, devices]) => {
    const [cell, hour] = key.split('|');
    const means = [...devices.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    return { cell: cell!, hour: Number(hour), means, mean: means.reduce((a, b) => a + b, 0) / means.length };
  });
  if (kind === 'disagreement')
    return hourly
      .filter((h) => h.means.length >= 2 && Math.max(...h.means) - Math.min(...h.means) > threshold)
      .map((h) => `${h.cell}@${h.hour}`);
  return hourly
    .filter((h) => {
      const cell = hourly.filter((o) => o.cell === h.cell).map((o) => o.mean);
      const average = cell.reduce((a, b) => a + b, 0) / cell.length;
      const std = Math.sqrt(cell.reduce((a, b) => a + b * b, 0) / cell.length - average * average);
      return Math.abs(h.mean - average) / std > threshold;
    })
    .map((h) => `${h.cell}@${h.hour}`);
}

describe('the feed-report module', () => {
  it('finds the hours where devices disagree, as the reference does', async () => {
    const data = readings();
    const input = reportInput(data, FROM);
    const result = await module.run({ args: ['disagreement', '3'], stdin: input.bytes });
    expect(result.exitCode).toBe(0);
    const findings = parseFindings(new TextDecoder().decode(result.stdout), input);
    expect(findings.map((f) => `${f.cell}@${(f.hourStart - FROM) / HOUR}`)).toEqual(
      reference(data, 'disagreement', 3),
    );
    expect(findings).toEqual([
      { kind: 'disagree', cell: 'sp3e9', hourStart: FROM + 4 * HOUR, spread: 9.2, devices: 2 },
    ]);
  });

  it('finds the anomalous hours of each cell, as the reference does', async () => {
    const data = readings();
    const input = reportInput(data, FROM);
    const result = await module.run({ args: ['anomalies', '2'], stdin: input.bytes });
    const findings = parseFindings(new TextDecoder().decode(result.stdout), input);
    const found = findings.map((f) => `${f.cell}@${(f.hourStart - FROM) / HOUR}`).sort();
    expect(found).toEqual(reference(data, 'anomalies', 2).sort());
    expect(found).toContain('u4pru@5');
  });

  it('refuses bad input and arguments', async () => {
    const truncated = reportInput(readings(), FROM).bytes.slice(0, 30);
    expect((await module.run({ args: ['anomalies', '2'], stdin: truncated })).exitCode).toBe(2);
    expect((await module.run({ args: ['forecast', '2'], stdin: new Uint8Array(8) })).exitCode).toBe(2);
  });

  it('commits to the readings it covers: any change to one changes the Merkle root', () => {
    const data = readings();
    const root = reportInput(data, FROM).merkleRoot;
    expect(merkleRoot([...data].reverse().map(readingLeaf))).toBe(root);
    const changed = data.map((r, i) => (i === 7 ? { ...r, value: r.value + 0.01 } : r));
    expect(reportInput(changed, FROM).merkleRoot).not.toBe(root);
    expect(reportInput(data.slice(1), FROM).merkleRoot).not.toBe(root);
  });
});
