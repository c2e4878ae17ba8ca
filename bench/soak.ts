import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isIdlegridError } from '@idlegrid/protocol';
import { cancelJob, runWasmJob, type WasmJobRequest } from '@idlegrid/sdk';
import { type Network, startNetwork } from './local-network.js';
import { type ProcessSample, readProcessStats, recordProcessStats } from './process-stats.js';
import { machineLine, markdownTable } from './report.js';
import { linearFit, median, ms, quantile } from './stats.js';

/**
 * `npm run bench:soak`: holds RATE one-call jobs per second on 4 provider processes for
 * SOAK_MINUTES (10 by default), after a warm-up, and reports each process's memory and
 * event-loop delay over time and every failure. Then it offers twice the rate for a minute
 * and reports how the coordinator sheds what it cannot take (codes, Retry-After) while it
 * keeps answering (SOAK_OVERLOAD_RATE, 600 by default).
 */

const RATE = Number(process.env.SOAK_RATE ?? 100);
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
/** Past the job store's record cache (5,000 jobs): memory is then measured at its plateau. */
const WARMUP_SECONDS = 90;
const OVERLOAD_SECONDS = 60;
/**
 * About twice what one coordinator here takes one call at a time (bench:network: about 280 jobs/s
 * with 4 providers): past the client's rate limit (200 a second, after a burst of 10,000), so the
 * coordinator has to refuse work, not just queue it.
 */
const OVERLOAD_RATE = Number(process.env.SOAK_OVERLOAD_RATE ?? 600);
const PROVIDERS = 4;
/** Jobs the client keeps open at most: past it, the network is not keeping up, and it is counted. */
const MAX_IN_FLIGHT = 600;
const JOB_TIMEOUT_MS = 30_000;

interface PhaseResult {
  offered: number;
  completed: number;
  backlogged: number;
  latencies: number[];
  errors: Map<string, number>;
  seconds: number;
}

function noop(moduleCid: string): WasmJobRequest {
  return { module: moduleCid, maxPrice: 10n ** 18n, deadlineSeconds: 120, memoryMb: 16, cpuCores: 1 };
}

/** Offers `rate` jobs a second for `seconds`, open loop (a slow network does not slow the offer). */
async function offer(net: Network, rate: number, seconds: number): Promise<PhaseResult> {
  const result: PhaseResult = {
    offered: 0,
    completed: 0,
    backlogged: 0,
    latencies: [],
    errors: new Map(),
    seconds,
  };
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const request = noop(net.moduleCid);
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (result.offered + result.backlogged < due) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        result.backlogged++;
        continue;
      }
      result.offered++;
      const t0 = performance.now();
      const job = runWasmJob(net.ctx, request, { timeoutMs: JOB_TIMEOUT_MS }).then(
        ({ job: done }) => {
          if (done.state === 'accepted' || done.state === 'settled') {
            result.completed++;
            result.latencies.push(performance.now() - t0);
          } else count(result.errors, `ended ${done.state}: ${done.error?.code ?? '?'}`);
        },
        (error: unknown) => {
          count(result.errors, errorKey(error));
          // A client that stops waiting cancels its job, so that it stops taking capacity.
          if (isIdlegridError(error, 'JOB_WAIT_TIMEOUT'))
            void cancelJob(net.ctx, String(error.details.jobId)).catch(() => {});
        },
      );
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  return result;
}

/** An error's code, and its Retry-After where the coordinator gave one (a refusal under load). */
function errorKey(error: unknown): string {
  if (!isIdlegridError(error)) return String(error);
  const retryAfter = error.details.retryAfter;
  return retryAfter === undefined ? error.code : `${error.code} (Retry-After ${retryAfter} s)`;
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

interface HealthProbes {
  probes: number;
  failed: number;
  slowestMs: number;
  slowestConnectMs: number;
  p50Ms: number;
  p99Ms: number;
  overOneSecond: number;
}

function probeLine(probes: HealthProbes): string {
  return `${probes.probes - probes.failed} of ${probes.probes} answered within 5 s (median ${ms(probes.p50Ms)} ms, p99 ${ms(probes.p99Ms)} ms, slowest ${ms(probes.slowestMs)} ms; ${probes.overOneSecond} over 1 s), the TCP connection set up within ${ms(probes.slowestConnectMs)} ms.`;
}

/** Probes the coordinator's /healthz once a second from a process of its own (see health-probe.ts) until stopped. */
function probeHealth(url: string): { stop(): Promise<HealthProbes> } {
  const script = fileURLToPath(new URL('./health-probe.js', import.meta.url));
  const child = spawn(process.execPath, [script, url, '5000'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return JSON.parse(out) as HealthProbes;
    },
  };
}

/** Minute-by-minute medians of one process's samples, from `from` on. */
function byMinute(samples: readonly ProcessSample[], from: number) {
  const minutes = new Map<number, ProcessSample[]>();
  for (const sample of samples) {
    if (sample.at < from) continue;
    const minute = Math.floor((sample.at - from) / 60_000);
    minutes.set(minute, [...(minutes.get(minute) ?? []), sample]);
  }
  return [...minutes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, list]) => ({
      minute,
      rssMb: median(list.map((s) => s.rssMb)),
      heapUsedMb: median(list.map((s) => s.heapUsedMb)),
      liveHeapMb: median(list.flatMap((s) => (s.liveHeapMb === undefined ? [] : [s.liveHeapMb]))),
      delayP99Ms: quantile(
        list.map((s) => s.delayP99Ms),
        0.99,
      ),
      delayMaxMs: Math.max(...list.map((s) => s.delayMaxMs)),
    }));
}

const growth = (first: number, last: number) =>
  Number.isFinite(first) && Number.isFinite(last) ? `${(((last - first) / first) * 100).toFixed(1)}%` : 'n/a';
/** MB as ms are shown: one decimal, "n/a" for none (a minute without a full collection). */
const mb = ms;

/**
 * The drift of a memory figure over the measured window, from the least-squares line through
 * every sample: what a leak shows, without the swing of one minute's garbage collections.
 */
function trend(
  samples: readonly ProcessSample[],
  from: number,
  until: number,
  figure: (sample: ProcessSample) => number,
): string {
  if (samples.length < 2) return 'n/a';
  const fit = linearFit(samples.map((sample) => ({ x: sample.at, y: figure(sample) })));
  return growth(fit.at(from), fit.at(until));
}

export async function runSoakBenchmark(): Promise<string> {
  const statsDir = await mkdtemp(join(tmpdir(), 'idlegrid-soak-stats-'));
  process.env.IDLEGRID_BENCH_STATS_DIR = statsDir;
  recordProcessStats(statsDir, 'client');
  const net = await startNetwork(PROVIDERS);
  try {
    const warmup = await offer(net, RATE, WARMUP_SECONDS);
    const steadyFrom = Date.now();
    const steady = await offer(net, RATE, MINUTES * 60);
    const steadyUntil = Date.now();
    const apiProber = probeHealth(net.coordinatorUrl);
    const healthProber = probeHealth(net.coordinatorHealthUrl);
    const overload = await offer(net, OVERLOAD_RATE, OVERLOAD_SECONDS);
    const overloadUntil = Date.now();
    const probes = await apiProber.stop();
    const healthPortProbes = await healthProber.stop();
    const stats = readProcessStats(statsDir);
    return report({
      warmup,
      steady,
      overload,
      probes,
      healthPortProbes,
      stats,
      steadyFrom,
      steadyUntil,
      overloadUntil,
    });
  } finally {
    await net.stop();
    delete process.env.IDLEGRID_BENCH_STATS_DIR;
    await rm(statsDir, { recursive: true, force: true });
  }
}

function phaseRow(name: string, rate: number, phase: PhaseResult) {
  const errors = [...phase.errors.entries()].map(([code, n]) => `${code}: ${n}`).join(', ') || 'none';
  return [
    name,
    rate,
    (phase.completed / phase.seconds).toFixed(1),
    phase.offered,
    phase.completed,
    phase.backlogged,
    ms(median(phase.latencies)),
    ms(quantile(phase.latencies, 0.99)),
    errors,
  ];
}

function report(input: {
  warmup: PhaseResult;
  steady: PhaseResult;
  overload: PhaseResult;
  probes: HealthProbes;
  /** The same probes against the coordinator's health listener (`healthPort`). */
  healthPortProbes: HealthProbes;
  stats: Map<string, ProcessSample[]>;
  steadyFrom: number;
  steadyUntil: number;
  overloadUntil: number;
}): string {
  const { steady, stats, steadyFrom, steadyUntil } = input;
  // Whose event loop lagged while overloaded: the coordinator's own, or the processes beside it.
  const overloadRows = [...stats.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, samples]) => {
      const during = samples.filter((s) => s.at > steadyUntil && s.at <= input.overloadUntil);
      return [
        name,
        ms(median(during.map((s) => s.delayP99Ms))),
        ms(
          quantile(
            during.map((s) => s.delayP99Ms),
            0.99,
          ),
        ),
        ms(Math.max(...during.map((s) => s.delayMaxMs))),
      ];
    });
  const memoryRows: (string | number)[][] = [];
  const flatRows: (string | number)[][] = [];
  for (const [name, samples] of [...stats.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const minutes = byMinute(
      samples.filter((s) => s.at <= steadyUntil),
      steadyFrom,
    );
    if (minutes.length === 0) continue;
    for (const minute of minutes) {
      memoryRows.push([
        name,
        minute.minute + 1,
        minute.rssMb.toFixed(0),
        minute.heapUsedMb.toFixed(1),
        mb(minute.liveHeapMb),
        ms(minute.delayP99Ms),
        ms(minute.delayMaxMs),
      ]);
    }
    const first = minutes[0]!;
    const last = minutes[minutes.length - 1]!;
    const measured = samples.filter((s) => s.at >= steadyFrom && s.at <= steadyUntil);
    flatRows.push([
      name,
      first.rssMb.toFixed(0),
      last.rssMb.toFixed(0),
      growth(first.rssMb, last.rssMb),
      trend(measured, steadyFrom, steadyUntil, (s) => s.rssMb),
      first.heapUsedMb.toFixed(1),
      last.heapUsedMb.toFixed(1),
      growth(first.heapUsedMb, last.heapUsedMb),
      trend(measured, steadyFrom, steadyUntil, (s) => s.heapUsedMb),
      mb(first.liveHeapMb),
      mb(last.liveHeapMb),
      growth(first.liveHeapMb, last.liveHeapMb),
    ]);
  }
  const failures = steady.offered - steady.completed + steady.backlogged;
  return [
    '## Soak: one-call jobs at a steady rate, then twice what the network sustains',
    '',
    machineLine(),
    '',
    `${PROVIDERS} provider processes and a coordinator (bench/local-network.ts), no-op WASM jobs through \`runWasmJob\` (one request each), offered open loop at ${RATE} jobs/s: ${WARMUP_SECONDS} s of warm-up, ${MINUTES} min measured, then ${OVERLOAD_SECONDS} s at ${OVERLOAD_RATE} jobs/s, about twice what the network sustains one call at a time. The client keeps at most ${MAX_IN_FLIGHT} jobs open; past that, an offered job is counted as backlogged (the network did not keep up). Every process samples its memory and event-loop delay each second.`,
    '',
    markdownTable(
      ['phase', 'offered/s', 'done/s', 'submitted', 'completed', 'backlogged', 'p50 ms', 'p99 ms', 'errors'],
      [
        phaseRow('warm-up', RATE, input.warmup),
        phaseRow('steady', RATE, steady),
        phaseRow('overload', OVERLOAD_RATE, input.overload),
      ],
    ),
    '',
    `Failures during the steady phase: ${failures}. While overloaded, \`/healthz\` was probed once a second from a process of its own (as a monitor would), each probe with a new connection, on the API's port and on the health listener's (\`--health-port\`, a listening socket of its own):`,
    '',
    `- API port: ${probeLine(input.probes)} A slow probe there waits in the accept queue behind the client's new connections: the client opens some 500 as the overload starts.`,
    `- health port: ${probeLine(input.healthPortProbes)}`,
    '',
    "### Event-loop delay while overloaded (each second's p99, over the overload phase)",
    '',
    markdownTable(['process', 'median of the p99s, ms', 'p99 of the p99s, ms', 'max ms'], overloadRows),
    '',
    '### Memory from the first to the last measured minute',
    '',
    'First and last: medians of that minute. Trend: the change over the whole window along the least-squares line through every sample (one a second), which a leak moves and the swing of garbage collections does not. Live heap: the JS heap right after the latest full collection, what the program holds (the heap used in between also counts garbage not yet collected).',
    '',
    markdownTable(
      [
        'process',
        'RSS MB first',
        'RSS MB last',
        'RSS growth',
        'RSS trend',
        'heap MB first',
        'heap MB last',
        'heap growth',
        'heap trend',
        'live heap MB first',
        'live heap MB last',
        'live heap growth',
      ],
      flatRows,
    ),
    '',
    '<details><summary>Each process, minute by minute</summary>',
    '',
    markdownTable(
      ['process', 'minute', 'RSS MB', 'heap used MB', 'live heap MB', 'event-loop delay p99 ms', 'max ms'],
      memoryRows,
    ),
    '',
    '</details>',
  ].join('\n');
}
