import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** One sample of a process, taken every second by `recordProcessStats`. */
export interface ProcessSample {
  at: number;
  rssMb: number;
  heapUsedMb: number;
  /**
   * The JS heap just after the latest full (mark-compact) collection: what is live, which a leak
   * grows and the sawtooth of allocations between collections does not. Absent before the first.
   */
  liveHeapMb?: number;
  /** Event-loop delay over the last second, ms. */
  delayP99Ms: number;
  delayMaxMs: number;
}

const MB = 2 ** 20;

/** Appends a sample a second to DIR/ROLE-PID.jsonl, until the process ends. */
export function recordProcessStats(dir: string, role: string, intervalMs = 1_000): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const file = join(dir, `${role}-${process.pid}.jsonl`);
  let liveHeapMb: number | undefined;
  // Observers are told right after the collection, before the program allocates much again.
  new PerformanceObserver((list) => {
    const major = list
      .getEntries()
      .some(
        (entry) =>
          (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR,
      );
    if (major) liveHeapMb = getHeapStatistics().used_heap_size / MB;
  }).observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    const sample: ProcessSample = {
      at: Date.now(),
      rssMb: memory.rss / MB,
      heapUsedMb: memory.heapUsed / MB,
      ...(liveHeapMb === undefined ? {} : { liveHeapMb }),
      delayP99Ms: delay.percentile(99) / 1e6,
      delayMaxMs: delay.max / 1e6,
    };
    delay.reset();
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, intervalMs);
  timer.unref();
}

/** Every process's samples in DIR, by file name (ROLE-PID). */
export function readProcessStats(dir: string): Map<string, ProcessSample[]> {
  const all = new Map<string, ProcessSample[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
    const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n').filter(Boolean);
    all.set(
      file.slice(0, -'.jsonl'.length),
      lines.map((line) => JSON.parse(line) as ProcessSample),
    );
  }
  return all;
}
