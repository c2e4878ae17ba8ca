import { IdlegridError, isIdlegridError, type SignedMessage } from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer, remoteErrorOf } from '../http/remote-error.js';
import { readSse } from '../http/sse.js';
import { uploadArtifact } from './artifacts.js';
import type { JobsContext } from './context.js';
import {
  fetchResult,
  type JobResult,
  type ResultBundle,
  readResultBundle,
  requireResultCid,
} from './fetch-result.js';
import { FINAL_JOB_STATES, isFinalJobState, type Job, jobSchema } from './job.js';
import { streamedJobOf } from './job-stream.js';
import { signWasmJob, type WasmJobRequest } from './submit-job.js';
import { submitAndWaitForResult, type WaitOptions, waitForJob } from './wait-for-job.js';

/**
 * Runs one job with one request: the signed JobSpec is posted asking for the job's event stream
 * in answer, which ends with the job and its result (checked as `fetchResult` checks it).
 * `result` is absent for a job that ended without one; a refused job throws its error.
 */
export async function runWasmJob(
  ctx: JobsContext,
  request: WasmJobRequest,
  options: WaitOptions = {},
): Promise<{ job: Job; result?: JobResult }> {
  const signed = await signWasmJob(ctx, request, options.signal ? { signal: options.signal } : {});
  return submitAndWaitForResult(
    ctx,
    signed.message.jobId,
    (query, signal) => ctx.coordinator.postStream(`/v1/jobs?${query}`, signed, { signal }),
    options,
  );
}

/** Most jobs the coordinator takes in one `POST /v1/jobs/batch`. */
export const MAX_BATCH_JOBS = 500;

export interface RunJobsOptions {
  /** Jobs submitted and not yet finished, at most (64 by default). */
  concurrency?: number;
  /** Called as each job ends, in the order they end. */
  onOutcome?: (outcome: JobOutcome) => void;
  signal?: AbortSignal;
  /** Jobs not finished this long after the run started end with JOB_WAIT_TIMEOUT (they go on); later requests are not submitted. */
  timeoutMs?: number;
}

/** How one request of a run ended. */
export interface JobOutcome {
  /** The request's place in the list given. */
  index: number;
  /** The job in its final state; absent when it was refused at submission. */
  job?: Job;
  /** An accepted job's result, checked against its CIDs. */
  result?: JobResult;
  /** Why there is no result: refused, failed, expired, cancelled, not in time, or a result that did not check out. */
  error?: IdlegridError;
}

const batchAnswerSchema = z.object({
  results: z.array(
    z.union([
      z.object({ job: jobSchema }),
      z.object({
        error: z.object({
          code: z.string(),
          message: z.string(),
          details: z.record(z.string(), z.unknown()),
        }),
      }),
    ]),
  ),
});

/**
 * Runs many jobs with a few requests instead of one per job: one event stream of the client's
 * finished jobs, each with its result inline, then the signed JobSpecs in batches, keeping up to
 * `concurrency` jobs in flight. Every result is checked as `fetchResult` checks it. A job whose
 * result the stream does not bring (outputs too large to inline, or a stream that broke) is
 * followed and fetched on its own. Resolves with every request's outcome, in request order.
 */
export async function runWasmJobs(
  ctx: JobsContext,
  requests: readonly WasmJobRequest[],
  options: RunJobsOptions = {},
): Promise<JobOutcome[]> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 64, MAX_BATCH_JOBS));
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const run = new JobRun(ctx, requests, options.onOutcome, stop.signal);
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          run.timeOut(options.timeoutMs!);
          stop.abort();
        }, options.timeoutMs);
  try {
    const requestOptions = { signal: stop.signal };
    const uploaded = await uploadModules(ctx, requests, requestOptions);
    const query = `client=${ctx.signer.address}&states=${FINAL_JOB_STATES.join(',')}&results=inline`;
    // Opened before the first submission: no job can finish unseen.
    const stream = await ctx.coordinator
      .openStream(`/v1/events?${query}`, requestOptions)
      .catch(() => undefined);
    const following = stream ? run.follow(stream) : Promise.resolve(run.followAlone());
    let next = 0;
    // Half the window refilled at a time: batches stay large, the window stays full.
    while (next < uploaded.length && !run.over) {
      await run.roomFor(Math.floor(concurrency / 2));
      if (run.over) break;
      const count = Math.min(concurrency - run.inFlight, uploaded.length - next);
      await run.submit(uploaded.slice(next, next + count), next, requestOptions);
      next += count;
    }
    await run.done;
    stop.abort(); // closes the stream
    await following;
    if (options.signal?.aborted) throw new IdlegridError('ABORTED', 'the run was aborted');
    return run.outcomes();
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}

/** Uploads each module and stdin given as bytes once (a run often repeats one module): the requests then name CIDs. */
async function uploadModules(
  ctx: JobsContext,
  requests: readonly WasmJobRequest[],
  options: RequestOptions,
): Promise<WasmJobRequest[]> {
  const uploads = new Map<Uint8Array, Promise<string>>();
  const cidOf = (value: Uint8Array | string) => {
    if (typeof value === 'string') return Promise.resolve(value);
    let upload = uploads.get(value);
    if (!upload) {
      upload = uploadArtifact(ctx, value, options);
      uploads.set(value, upload);
    }
    return upload;
  };
  return Promise.all(
    requests.map(async (request) => ({
      ...request,
      module: await cidOf(request.module),
      ...(request.stdin === undefined ? {} : { stdin: await cidOf(request.stdin) }),
    })),
  );
}

/** The bookkeeping of one run: which jobs are in flight, how each ended, who waits for room. */
class JobRun {
  readonly #pending = new Map<string, number>();
  readonly #outcomes = new Map<number, JobOutcome>();
  #allEnded!: () => void;
  readonly #finished = new Promise<void>((resolve) => {
    this.#allEnded = resolve;
  });
  #waitingForRoom: { atMost: number; resolve: () => void } | undefined;
  #submitted = 0;
  #over = false;
  /** No event stream (it could not open, or broke): each job is followed on its own. */
  #alone = false;
  readonly #followedAlone = new Set<string>();

  constructor(
    private readonly ctx: JobsContext,
    private readonly requests: readonly WasmJobRequest[],
    private readonly onOutcome: ((outcome: JobOutcome) => void) | undefined,
    private readonly signal: AbortSignal,
  ) {
    if (requests.length === 0) this.#allEnded();
    signal.addEventListener('abort', () => this.#abandon('ABORTED', 'the run was aborted'), { once: true });
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  get done(): Promise<void> {
    return this.#finished;
  }

  /** Resolves once at most `atMost` jobs are in flight (or the run is over). */
  roomFor(atMost: number): Promise<void> {
    if (this.#pending.size <= atMost || this.#over) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waitingForRoom = { atMost, resolve };
    });
  }

  /** Timed out or aborted: nothing more is submitted. */
  get over(): boolean {
    return this.#over;
  }

  /** Signs and submits `requests` (the run's requests from `first` on) in one batch. */
  async submit(requests: readonly WasmJobRequest[], first: number, options: RequestOptions): Promise<void> {
    const signed: SignedMessage<'JobSpec'>[] = [];
    this.#submitted += requests.length;
    for (const [offset, request] of requests.entries()) {
      let spec: SignedMessage<'JobSpec'>;
      try {
        spec = await signWasmJob(this.ctx, request, options);
      } catch (error) {
        // A request the client itself refuses (a field out of range) ends here, alone.
        this.#record({ index: first + offset, error: asIdlegridError(error) });
        continue;
      }
      signed.push(spec);
      // Known before the answer comes: a quick job may finish before it does.
      this.#pending.set(spec.message.jobId.toLowerCase(), first + offset);
    }
    if (signed.length === 0) return;
    let answer: z.output<typeof batchAnswerSchema>;
    try {
      answer = parseAnswer(
        batchAnswerSchema,
        await this.ctx.coordinator.postJson('/v1/jobs/batch', { jobs: signed }, options),
        'POST /v1/jobs/batch',
      );
    } catch (error) {
      for (const spec of signed) this.#end(spec.message.jobId, { error: asIdlegridError(error) });
      return;
    }
    answer.results.forEach((item, offset) => {
      const id = signed[offset]!.message.jobId;
      if ('error' in item) {
        const error =
          remoteErrorOf(item.error) ??
          new IdlegridError(
            'COORDINATOR_BAD_RESPONSE',
            `job refused with an unknown code: ${item.error.message}`,
          );
        this.#end(id, { error });
      } else if (isFinalJobState(item.job.state)) void this.#finish(item.job);
    });
    if (this.#alone) this.followAlone();
  }

  /** Ends jobs as the stream brings them; if it breaks, the jobs still in flight are followed alone. */
  async follow(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const event of readSse(stream)) {
        const streamed = streamedJobOf(event);
        if (streamed && isFinalJobState(streamed.job.state)) void this.#finish(streamed.job, streamed.bundle);
      }
    } catch {
      // The stream broke (or the run is over): below.
    }
    if (!this.signal.aborted) this.followAlone();
  }

  /** From now on (no stream, or it broke) each job in flight is waited for and fetched on its own. */
  followAlone(): void {
    this.#alone = true;
    for (const id of this.#pending.keys()) {
      if (this.#followedAlone.has(id)) continue;
      this.#followedAlone.add(id);
      void waitForJob(this.ctx, id, { signal: this.signal }).then(
        (job) => this.#finish(job),
        (error: unknown) => this.#end(id, { error: asIdlegridError(error) }),
      );
    }
  }

  timeOut(timeoutMs: number): void {
    this.#abandon('JOB_WAIT_TIMEOUT', `not finished within ${timeoutMs} ms`);
  }

  outcomes(): JobOutcome[] {
    return [...this.#outcomes.values()].sort((a, b) => a.index - b.index);
  }

  /** A final job: its result checked (from the stream's bundle, else fetched), or why it has none. */
  async #finish(job: Job, bundle?: ResultBundle): Promise<void> {
    const id = job.id.toLowerCase();
    if (!this.#pending.has(id)) return;
    // Taken now, so a second event of the same job (settled after accepted) does nothing.
    const index = this.#pending.get(id)!;
    this.#pending.delete(id);
    let outcome: JobOutcome;
    try {
      requireResultCid(job);
      const result = bundle
        ? await readResultBundle(this.ctx, job, bundle, { signal: this.signal })
        : await fetchResult(this.ctx, job, { signal: this.signal });
      outcome = { index, job, result };
    } catch (error) {
      outcome = { index, job, error: asIdlegridError(error) };
    }
    this.#record(outcome);
  }

  #end(jobId: string, outcome: Omit<JobOutcome, 'index'>): void {
    const id = jobId.toLowerCase();
    const index = this.#pending.get(id);
    if (index === undefined) return;
    this.#pending.delete(id);
    this.#record({ index, ...outcome });
  }

  #record(outcome: JobOutcome): void {
    this.#outcomes.set(outcome.index, outcome);
    const waiting = this.#waitingForRoom;
    if (waiting && this.#pending.size <= waiting.atMost) {
      this.#waitingForRoom = undefined;
      waiting.resolve();
    }
    if (this.#outcomes.size === this.requests.length) this.#allEnded();
    // Last: a callback that throws must not leave the run's bookkeeping half done.
    this.onOutcome?.(outcome);
  }

  /** Ends every job in flight, and every request not yet submitted, with `code`. */
  #abandon(code: 'ABORTED' | 'JOB_WAIT_TIMEOUT', message: string): void {
    this.#over = true;
    for (const id of [...this.#pending.keys()]) {
      this.#end(id, { error: new IdlegridError(code, `job ${id}: ${message}`, { details: { jobId: id } }) });
    }
    for (let index = this.#submitted; index < this.requests.length; index++) {
      this.#record({
        index,
        error: new IdlegridError(code, `request ${index} was not submitted: ${message}`),
      });
    }
    this.#submitted = this.requests.length;
    this.#waitingForRoom?.resolve();
  }
}

function asIdlegridError(error: unknown): IdlegridError {
  if (isIdlegridError(error)) return error;
  return new IdlegridError('INTERNAL', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
