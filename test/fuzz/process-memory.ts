import { readFile } from 'node:fs/promises';

export interface MemorySample {
  /** Resident set size of the process, bytes (/proc/PID/status VmRSS). */
  rss: number;
  /** V8 heap in use, bytes, as the coordinator's own /metrics reports it. */
  heapUsed: number;
}

export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

export async function heapUsedOf(coordinatorUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', coordinatorUrl))).text();
  const value = /^idlegrid_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('the coordinator reports no heap size');
  return Number(value);
}

/**
 * The coordinator's memory once it has settled: the smallest of a few samples a second apart
 * (garbage of a burst is collected as the process keeps allocating, at no moment we choose).
 */
export async function settledMemory(pid: number, coordinatorUrl: string, samples = 5): Promise<MemorySample> {
  let best: MemorySample = { rss: Number.POSITIVE_INFINITY, heapUsed: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const [rss, heapUsed] = await Promise.all([rssOf(pid), heapUsedOf(coordinatorUrl)]);
    best = { rss: Math.min(best.rss, rss), heapUsed: Math.min(best.heapUsed, heapUsed) };
  }
  return best;
}

export const MiB = 2 ** 20;
