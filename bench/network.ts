import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWasmExecutor, type JobEvent } from '@idlegrid/node';
import { isIdlegridError } from '@idlegrid/protocol';
import { cancelJob, getJob, type Job, runWasmJob, runWasmJobs, type WasmJobRequest } from '@idlegrid/sdk';
import {
  type Network,
  NOOP_WASM,
  PROVIDER_CORES,
  type ProviderNode,
  startNetwork,
  TICK_MS,
} from './local-network.js';
import { BATCH_CONCURRENCY, BATCH_JOBS, BATCH_WARMUP_JOBS, batchThroughput } from './network-batch.js';
import { cpuMsOf, cpuPerJob, type RoleCpu, rolePids } from './process-cpu.js';
import { machineLine, markdownTable, writeSection } from './report.js';
import { median, ms, quantile } from './stats.js';

/**
 * The network's own overhead: a no-op WASM job through the whole path (SDK -> coordinator HTTP
 * -> libp2p -> provider -> WASM worker -> result upload -> SDK) against the same module run
 * in-process; jobs/s with 1, 2 and 4 providers; and how long a new provider takes to get work.
 * Coordinator and providers run in this process on 127.0.0.1 (real libp2p, HTTP, SQLite).
 */
/** Warm-up before the latency run: a burst through the batch API, then single jobs (JIT-compiles every path). */
const LATENCY_WARMUP_BURST = 1_000;
const LATENCY_WARMUP = 20;
const LATENCY_JOBS = 200;
const THROUGHPUT_PROVIDERS = [1, 2, 4];
const THROUGHPUT_WARMUP_JOBS = 300;
const THROUGHPUT_JOBS = 1_000;
const THROUGHPUT_CONCURRENCY = 16;
/** A no-op job done in neither this long is counted failed (and cancelled). */
const THROUGHPUT_WAIT_MS = 15_000;
const JOIN_TRIALS = 7;
const JOIN_SPACING_MS = 1_200;

function noopJob(moduleCid: string, region?: string): WasmJobRequest {
  return {
    module: moduleCid,
    maxPrice: 10n ** 18n,
    deadlineSeconds: 120,
    memoryMb: 16,
    cpuCores: 1,
    ...(region ? { region } : {}),
  };
}

/**
 * One job as a client runs one: `runWasmJob`, one request (the signed JobSpec posted, answered
 * with the job's event stream, which ends with the job and its result inline); throws unless the
 * module exited 0. A job not done within `waitMs` is cancelled (so it stops taking dispatch
 * passes) and counted as failed.
 */
async function runNoopJob(
  net: Network,
  { region, waitMs = 60_000 }: { region?: string; waitMs?: number } = {},
): Promise<{ job: Job; latencyMs: number }> {
  const t0 = performance.now();
  const request = noopJob(net.moduleCid, region);
  let finished: Awaited<ReturnType<typeof runWasmJob>>;
  try {
    finished = await runWasmJob(net.ctx, request, { timeoutMs: waitMs });
  } catch (error) {
    const jobId = isIdlegridError(error, 'JOB_WAIT_TIMEOUT') ? String(error.details.jobId) : undefined;
    if (!jobId) throw error;
    const stuck = await getJob(net.ctx, jobId);
    await cancelJob(net.ctx, jobId).catch(() => {});
    throw new Error(
      `not done in ${waitMs / 1000} s, still ${stuck.state} (attempt ${stuck.attempt}): ${stuck.error?.message ?? 'no error'}`,
    );
  }
  const { job, result } = finished;
  if (job.state !== 'accepted') throw new Error(`ended ${job.state}: ${job.error?.message}`);
  if (result?.exitCode !== 0) throw new Error(`exited ${result?.exitCode}`);
  return { job, latencyMs: performance.now() - t0 };
}

async function eventsOf(net: Network, jobId: string): Promise<JobEvent[]> {
  const body = (await net.ctx.coordinator.getJson(`/v1/jobs/${jobId}/events`)) as { events: JobEvent[] };
  return body.events;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** 1. Submit-to-result latency through the network against the module run in-process. */
async function dispatchOverhead() {
  const net = await startNetwork(1);
  const latencies: number[] = [];
  const stages: Record<string, number[]> = {};
  try {
    const burst = Array.from({ length: LATENCY_WARMUP_BURST }, () => noopJob(net.moduleCid));
    await runWasmJobs(net.ctx, burst, { concurrency: 32 });
    for (let i = 0; i < LATENCY_WARMUP; i++) await runNoopJob(net);
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const startedAt = Date.now();
      const { job, latencyMs } = await runNoopJob(net);
      latencies.push(latencyMs);
      // Coordinator-side timestamps of each state (same process, same clock).
      const at = new Map<string, number>();
      for (const event of await eventsOf(net, job.id)) if (!at.has(event.to)) at.set(event.to, event.at);
      const stage = (name: string, from: number | undefined, to: number | undefined) => {
        if (from === undefined || to === undefined) return;
        stages[name] = [...(stages[name] ?? []), to - from];
      };
      stage('client -> submitted (sign, HTTP POST, intake)', startedAt, at.get('submitted'));
      stage(
        'submitted -> assigned (match, sign assignment, one write)',
        at.get('submitted'),
        at.get('assigned'),
      );
      stage('assigned -> running (p2p assign + provider checks)', at.get('assigned'), at.get('running'));
      stage(
        'running -> accepted (provider: run, sign, p2p result; coordinator: check, one write)',
        at.get('running'),
        at.get('accepted'),
      );
      stage(
        'accepted -> client has the checked result (event stream)',
        at.get('accepted'),
        startedAt + latencyMs,
      );
    }
  } finally {
    await net.stop();
  }

  const scratch = await mkdtemp(join(tmpdir(), 'idlegrid-bench-wasm-'));
  const runOnce: number[] = [];
  const prepareAndRun: number[] = [];
  try {
    const executor = createWasmExecutor({ scratchParent: scratch });
    const limits = { memoryBytes: 16 * 2 ** 20 };
    const task = await executor.prepare(NOOP_WASM);
    for (let i = 0; i < LATENCY_WARMUP + LATENCY_JOBS; i++) {
      const t0 = performance.now();
      const result = await task.run({ args: [] }, { limits });
      if (result.exitCode !== 0) throw new Error(`in-process run exited ${result.exitCode}`);
      if (i >= LATENCY_WARMUP) runOnce.push(performance.now() - t0);
    }
    await task.dispose();
    // What the provider does per job today: prepare (compile) and run.
    for (let i = 0; i < LATENCY_JOBS / 2; i++) {
      const t0 = performance.now();
      const each = await executor.prepare(NOOP_WASM);
      await each.run({ args: [] }, { limits });
      await each.dispose();
      prepareAndRun.push(performance.now() - t0);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { latencies, stages, runOnce, prepareAndRun };
}

/** 2. Jobs/s with `providerCount` providers, THROUGHPUT_CONCURRENCY submissions in flight. */
async function throughput(providerCount: number) {
  const net = await startNetwork(providerCount);
  try {
    // Warm (JIT-compiled) first: the same path, as many jobs as a long-running network has seen.
    let warm = 0;
    await Promise.all(
      Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
        while (warm++ < THROUGHPUT_WARMUP_JOBS) await runNoopJob(net);
      }),
    );
    let next = 0;
    let completed = 0;
    let failed = 0;
    let retried = 0;
    let lastDone = Number.NaN;
    const latencies: number[] = [];
    const errors = new Map<string, number>();
    const perProvider = new Map(net.providers.map(({ address }) => [address.toLowerCase(), 0]));
    const pids = rolePids(net);
    const cpu0 = await cpuMsOf(pids);
    const t0 = performance.now();
    const worker = async () => {
      while (next < THROUGHPUT_JOBS) {
        next++;
        try {
          const { job, latencyMs } = await runNoopJob(net, { waitMs: THROUGHPUT_WAIT_MS });
          latencies.push(latencyMs);
          completed++;
          const ranOn = job.provider?.toLowerCase() ?? '';
          perProvider.set(ranOn, (perProvider.get(ranOn) ?? 0) + 1);
          lastDone = performance.now();
          if (job.attempt > 1) retried++;
        } catch (error) {
          failed++;
          const message = (error instanceof Error ? error.message : String(error))
            .replace(/0x[0-9a-f]+/gi, '<id>')
            .replace(/nonce \d+/g, 'nonce <n>');
          errors.set(message, (errors.get(message) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: THROUGHPUT_CONCURRENCY }, worker));
    const seconds = (performance.now() - t0) / 1000;
    const cpuMsPerJob = cpuPerJob(cpu0, await cpuMsOf(pids), completed);
    const secondsToLastDone = (lastDone - t0) / 1000;
    return {
      providerCount,
      completed,
      failed,
      retried,
      seconds,
      secondsToLastDone,
      latencies,
      perProvider: [...perProvider.values()],
      errors,
      cpuMsPerJob,
    };
  } finally {
    await net.stop();
  }
}

/** 3. From the `startProvider` call to its first job accepted: each trial a fresh provider in its own region. */
async function joinTime() {
  const net = await startNetwork(0);
  const joined: number[] = [];
  const running: number[] = [];
  const accepted: number[] = [];
  let refused = 0;
  try {
    await net.addProvider('warmup');
    await runNoopJob(net, { region: 'warmup' });
    let lastStart = performance.now();
    for (let i = 0; i < JOIN_TRIALS; ) {
      // libp2p refuses more than 5 inbound connections per second from one host (all ours are
      // 127.0.0.1): space the trials, and count a refused join instead of timing it.
      await sleep(JOIN_SPACING_MS - (performance.now() - lastStart));
      lastStart = performance.now();
      const region = `join-${i}`;
      const startedAt = Date.now();
      const t0 = performance.now();
      let provider: ProviderNode;
      try {
        provider = await net.addProvider(region);
      } catch (error) {
        if (++refused > JOIN_TRIALS) throw error;
        continue;
      }
      joined.push(performance.now() - t0);
      const { job } = await runNoopJob(net, { region });
      if (job.provider?.toLowerCase() !== provider.address.toLowerCase())
        throw new Error(`join trial ${i}: the job ran on ${job.provider}, not the new provider`);
      const at = new Map<string, number>();
      for (const event of await eventsOf(net, job.id)) if (!at.has(event.to)) at.set(event.to, event.at);
      running.push(at.get('running')! - startedAt);
      accepted.push(at.get('accepted')! - startedAt);
      await provider.node.stop();
      net.providers.splice(net.providers.indexOf(provider), 1);
      i++;
    }
  } finally {
    await net.stop();
  }
  return { joined, running, accepted, refused };
}

/** Throughput of one run, the same columns for both APIs. */
interface ThroughputRun {
  providerCount: number;
  completed: number;
  failed: number;
  seconds: number;
  errors: Map<string, number>;
  cpuMsPerJob: RoleCpu;
}

function logged<R extends ThroughputRun>(what: string, result: R): R {
  console.log(
    `${what}: ${result.providerCount} provider(s): ${(result.completed / result.seconds).toFixed(1)} jobs/s, ${result.completed} done, ${result.failed} failed in ${result.seconds.toFixed(1)} s, CPU ms per job: ${cpuCell(result.cpuMsPerJob)} (client / coordinator / providers)`,
  );
  for (const [message, count] of result.errors) console.log(`  ${count}x ${message}`);
  return result;
}

const cpuCell = (cpu: RoleCpu) => [cpu.client, cpu.coordinator, cpu.providers].map(ms).join(' / ');

function failureLines(results: { providerCount: number; errors: Map<string, number> }[]): string {
  const lines = results.flatMap((result) =>
    [...result.errors].map(
      ([message, count]) =>
        `- ${result.providerCount} provider(s): ${count} × ${message.replaceAll('|', '\\|')}`,
    ),
  );
  return lines.length > 0 ? lines.join('\n') : '- none';
}

export async function runNetworkBenchmark(): Promise<string> {
  const started = performance.now();
  const latency = await dispatchOverhead();
  console.log(`(dispatch overhead measured in ${((performance.now() - started) / 1000).toFixed(0)} s)`);
  const total = latency.latencies;
  const networkP50 = median(total);
  const networkP99 = quantile(total, 0.99);
  const localP50 = median(latency.runOnce);
  const localP99 = quantile(latency.runOnce, 0.99);
  console.log(
    `dispatch: network p50 ${ms(networkP50)} ms p99 ${ms(networkP99)} ms; in-process p50 ${ms(localP50)} ms p99 ${ms(localP99)} ms; overhead p50 ${ms(networkP50 - localP50)} ms`,
  );

  const throughputs = [];
  for (const providers of THROUGHPUT_PROVIDERS) {
    throughputs.push(logged('throughput', await throughput(providers)));
  }
  const batches = [];
  for (const providers of THROUGHPUT_PROVIDERS) {
    batches.push(logged('batch API', await batchThroughput(providers, (moduleCid) => noopJob(moduleCid))));
  }

  const join = await joinTime();
  console.log(
    `join: ${join.refused} refused; startProvider resolved after ${ms(median(join.joined))} ms, first job running after ${ms(median(join.running))} ms, accepted after ${ms(median(join.accepted))} ms (medians of ${JOIN_TRIALS})`,
  );
  const wallSeconds = (performance.now() - started) / 1000;
  console.log(`network benchmark took ${wallSeconds.toFixed(0)} s`);

  return [
    '## Network: dispatch overhead, throughput, provider join',
    '',
    machineLine(),
    '',
    'The coordinator and each provider run in their own process (`bench/network-node.ts`), the client',
    'in the benchmark process, as in a deployment: real libp2p between them (TCP, noise, yamux on',
    '127.0.0.1), real HTTP (the SDK against the fastify API), a real SQLite job store; no chain (jobs are',
    `not paid: no \`payForJob\`, and \`requireDeposit: false\`). Dispatch tick ${TICK_MS} ms, the default (a submitted job is`,
    `dispatched at once, not by a pass), provider heartbeat 1 s, each provider offers ${PROVIDER_CORES} cores. The job is a`,
    `no-op WASI command (${NOOP_WASM.length} bytes: an empty \`_start\`), uploaded once; each job names it by CID. A`,
    "network job is `runWasmJob`: one request, the signed JobSpec posted and answered with the job's event",
    'stream (final states only), which ends with the manifest and small outputs inline, each checked against',
    'its CID. Every message is signed and checked:',
    'the JobSpec (client; checked by coordinator and provider), the Assignment (coordinator), the',
    'ResultReveal (provider). All processes share the 2 cores.',
    '',
    `### Dispatch overhead (${LATENCY_JOBS} jobs, sequential; 1 provider)`,
    '',
    `Measured once the network is warm (a long-running one is: its code is JIT-compiled): first a burst of ${LATENCY_WARMUP_BURST}`,
    `jobs through the batch API, then ${LATENCY_WARMUP} single jobs.`,
    '',
    markdownTable(
      ['path', 'p50 ms', 'p99 ms'],
      [
        ['network: submit -> result', ms(networkP50), ms(networkP99)],
        ['in-process `createWasmExecutor`: prepare once, run', ms(localP50), ms(localP99)],
        [
          'in-process: prepare + run (a module the provider has not compiled yet)',
          ms(median(latency.prepareAndRun)),
          ms(quantile(latency.prepareAndRun, 0.99)),
        ],
        [
          '**network overhead** (network - in-process run)',
          ms(networkP50 - localP50),
          ms(networkP99 - localP99),
        ],
      ],
    ),
    '',
    'Where the network time goes, by coordinator timestamps of the job states (ms resolution; one write',
    'records `matched` and `assigned`, another `committed` and `accepted`):',
    '',
    markdownTable(
      ['phase', 'p50 ms', 'p99 ms'],
      [
        ...Object.entries(latency.stages).map(([name, values]) => [
          name,
          ms(median(values)),
          ms(quantile(values, 0.99)),
        ]),
      ],
    ),
    '',
    `### Throughput, one job per call (${THROUGHPUT_JOBS} jobs, ${THROUGHPUT_CONCURRENCY} in flight, after ${THROUGHPUT_WARMUP_JOBS} warm-up jobs)`,
    '',
    `${THROUGHPUT_CONCURRENCY} loops of \`runWasmJob\`: one request per job.`,
    '',
    markdownTable(
      [
        'providers',
        'completed',
        'failed',
        'completed after a retry',
        'seconds',
        'jobs/s',
        'jobs/s until the last completion',
        'latency p50 ms',
        'latency p99 ms',
        'jobs per provider',
        'CPU ms per job: client / coordinator / providers',
      ],
      throughputs.map((result) => [
        result.providerCount,
        result.completed,
        result.failed,
        result.retried,
        result.seconds.toFixed(2),
        (result.completed / result.seconds).toFixed(1),
        (result.completed / result.secondsToLastDone).toFixed(1),
        ms(median(result.latencies)),
        ms(quantile(result.latencies, 0.99)),
        result.perProvider.join(' / '),
        cpuCell(result.cpuMsPerJob),
      ]),
    ),
    '',
    `Seconds run from the first submission to the last job done or given up (after ${THROUGHPUT_WAIT_MS / 1000} s);`,
    'jobs/s counts completed jobs only; the column after it leaves out the wait for the last failures.',
    "Latency is submit -> result of each completed job. CPU is user + system time of each role's",
    'processes over the run (from /proc), per completed job. Why jobs failed:',
    '',
    failureLines(throughputs),
    '',
    `### Throughput, batch API (${BATCH_JOBS} jobs, ${BATCH_CONCURRENCY} in flight, after ${BATCH_WARMUP_JOBS} warm-up jobs)`,
    '',
    "`runWasmJobs`: one event stream of the client's finished jobs with their results inline, and the",
    'signed JobSpecs posted in batches (`POST /v1/jobs/batch`) as room frees up; every result is checked',
    'against its CIDs as `fetchResult` checks it. The coordinator writes what one turn of its event loop',
    'asks for in one commit, and sends the frames of one turn to a provider in one send.',
    '',
    markdownTable(
      [
        'providers',
        'completed',
        'failed',
        'completed after a retry',
        'seconds',
        'jobs/s',
        'jobs per provider',
        'CPU ms per job: client / coordinator / providers',
      ],
      batches.map((result) => [
        result.providerCount,
        result.completed,
        result.failed,
        result.retried,
        result.seconds.toFixed(2),
        (result.completed / result.seconds).toFixed(1),
        result.perProvider.join(' / '),
        cpuCell(result.cpuMsPerJob),
      ]),
    ),
    '',
    'Why jobs failed:',
    '',
    failureLines(batches),
    '',
    'Client, coordinator and providers share the 2 cores, so more providers add offered capacity but',
    'no CPU: with every process busy, jobs/s is about 2 cores divided by the CPU of one job. The',
    'coordinator column is what bounds one coordinator on a machine of its own (1,000 ms per core',
    'divided by it), since clients and providers run elsewhere in a real network.',
    '',
    `### Provider join (${JOIN_TRIALS} trials, median)`,
    '',
    'A fresh provider process (own key, data dir, region) is started against a running coordinator; one',
    'job for its region is submitted as soon as it reports ready. Times are from the process spawn, so',
    'they include starting Node and loading the code.',
    `Trials start ${JOIN_SPACING_MS / 1000} s apart: libp2p's default \`inboundConnectionThreshold\` refuses more than 5`,
    `inbound connections per second from one IP, and \`startProvider\` does not retry its first dial. Joins`,
    `refused during the trials: ${join.refused}.`,
    '',
    markdownTable(
      ['milestone', 'median ms', 'min ms', 'max ms'],
      [
        ['provider ready (process up, libp2p up, dialled, hello/offer acked)', join.joined],
        ['first job accepted by the provider (`running`)', join.running],
        ['first job result accepted by the coordinator (`accepted`)', join.accepted],
      ].map(([name, values]) => {
        const list = values as number[];
        return [name as string, ms(median(list)), ms(Math.min(...list)), ms(Math.max(...list))];
      }),
    ),
    '',
    `The whole network benchmark took ${wallSeconds.toFixed(0)} s.`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeSection('network', await runNetworkBenchmark());
}
