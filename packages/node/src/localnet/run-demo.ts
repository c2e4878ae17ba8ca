import { IdlegridError } from '@idlegrid/protocol';
import {
  fetchResult,
  type Job,
  type JobsContext,
  listModels,
  type NetworkModel,
  payForJob,
  submitWasmJob,
  waitForJob,
} from '@idlegrid/sdk';
import { type DemoJob, readExampleModule } from './demo-workload.js';

export interface DemoOutcome {
  label: string;
  jobId: string;
  state: string;
  provider: string | null;
  /** Charged, in token base units. */
  price: string | null;
  durationMs: number | null;
  /** The output matched the answer the client computed itself. */
  verified: boolean;
  paid: boolean;
  error?: string;
}

export interface DemoOptions {
  onProgress?: (finished: number, total: number, outcome: DemoOutcome) => void;
  maxPrice?: bigint;
  timeoutMs?: number;
}

/**
 * Runs the demo jobs through the network as any client would: submit, follow, download and
 * check the result, pay the provider. Payments to one provider go one after another, since
 * each voucher builds on the previous one.
 */
export async function runDemo(
  ctx: JobsContext,
  jobs: readonly DemoJob[],
  options: DemoOptions = {},
): Promise<DemoOutcome[]> {
  const payChains = new Map<string, Promise<unknown>>();
  let finished = 0;
  let models: Promise<NetworkModel[]> | undefined;
  /** A WASM job ships its module; a model job names the model's CID, which providers hold. */
  const moduleOf = async (demo: DemoJob) => {
    if (typeof demo.module === 'string') return { module: await readExampleModule(demo.module) };
    const { runtime, model } = demo.module;
    models ??= listModels(ctx);
    const served = (await models).find((m) => m.id === model && m.runtime === runtime);
    if (!served)
      throw new IdlegridError('MODEL_NOT_FOUND', `no provider serves the ${runtime} model ${model}`);
    return { runtime, module: served.cid };
  };

  const runOne = async (demo: DemoJob): Promise<DemoOutcome> => {
    let job: Job | undefined;
    try {
      const submitted = await submitWasmJob(ctx, {
        ...(await moduleOf(demo)),
        args: demo.args,
        ...(demo.stdin ? { stdin: demo.stdin } : {}),
        maxPrice: options.maxPrice ?? 10n ** 18n,
        deadlineSeconds: 300,
        memoryMb: 128,
        cpuCores: 1,
      });
      job = await waitForJob(ctx, submitted.id, { timeoutMs: options.timeoutMs ?? 120_000 });
      if (job.state !== 'accepted') return outcomeOf(demo, job, false, false, job.error?.message);
      const result = await fetchResult(ctx, job);
      const verified = result.exitCode === 0 && demo.check(result.stdout);
      const provider = job.provider ?? '';
      const accepted = job;
      const payment = (payChains.get(provider) ?? Promise.resolve()).then(() => payForJob(ctx, accepted));
      payChains.set(
        provider,
        payment.catch(() => {}),
      );
      await payment;
      return { ...outcomeOf(demo, job, verified, true), durationMs: result.durationMs };
    } catch (error) {
      return outcomeOf(demo, job, false, false, (error as Error).message);
    }
  };

  return Promise.all(
    jobs.map(async (demo) => {
      const outcome = await runOne(demo);
      options.onProgress?.(++finished, jobs.length, outcome);
      return outcome;
    }),
  );
}

function outcomeOf(
  demo: DemoJob,
  job: Job | undefined,
  verified: boolean,
  paid: boolean,
  error?: string,
): DemoOutcome {
  return {
    label: demo.label,
    jobId: job?.id ?? '',
    state: paid ? 'settled' : (job?.state ?? 'not submitted'),
    provider: job?.provider ?? null,
    price: job?.price ?? null,
    durationMs: null,
    verified,
    paid,
    ...(error ? { error } : {}),
  };
}
