import { runWasmJobs, type WasmJobRequest } from '@idlegrid/sdk';
import { startNetwork } from './local-network.js';
import { cpuMsOf, cpuPerJob, rolePids } from './process-cpu.js';

/** Jobs each batch run takes, after its warm-up, and how many it keeps in flight. */
export const BATCH_JOBS = 3_000;
export const BATCH_WARMUP_JOBS = 600;
export const BATCH_CONCURRENCY = 64;

/**
 * Jobs/s through the batch API (`runWasmJobs`): one event stream with results inline, JobSpecs
 * posted in batches, BATCH_CONCURRENCY jobs in flight; every result checked against its CIDs.
 */
export async function batchThroughput(providerCount: number, request: (moduleCid: string) => WasmJobRequest) {
  const net = await startNetwork(providerCount);
  try {
    const requests = (count: number) => Array.from({ length: count }, () => request(net.moduleCid));
    await runWasmJobs(net.ctx, requests(BATCH_WARMUP_JOBS), { concurrency: BATCH_CONCURRENCY });
    const pids = rolePids(net);
    const cpu0 = await cpuMsOf(pids);
    const t0 = performance.now();
    const outcomes = await runWasmJobs(net.ctx, requests(BATCH_JOBS), {
      concurrency: BATCH_CONCURRENCY,
      timeoutMs: 120_000,
    });
    const seconds = (performance.now() - t0) / 1000;
    const completed = outcomes.filter((outcome) => outcome.result?.exitCode === 0);
    const errors = new Map<string, number>();
    for (const outcome of outcomes) {
      if (outcome.result?.exitCode === 0) continue;
      const reason = outcome.error?.code ?? `exit ${outcome.result?.exitCode}`;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
    }
    const perProvider = new Map(net.providers.map(({ address }) => [address.toLowerCase(), 0]));
    for (const { job } of completed) {
      const ranOn = job!.provider!.toLowerCase();
      perProvider.set(ranOn, (perProvider.get(ranOn) ?? 0) + 1);
    }
    return {
      providerCount,
      completed: completed.length,
      failed: outcomes.length - completed.length,
      retried: completed.filter(({ job }) => job!.attempt > 1).length,
      seconds,
      perProvider: [...perProvider.values()],
      errors,
      cpuMsPerJob: cpuPerJob(cpu0, await cpuMsOf(pids), completed.length),
    };
  } finally {
    await net.stop();
  }
}
