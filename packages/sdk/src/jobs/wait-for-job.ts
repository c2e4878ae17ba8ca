import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import { readSse } from '../http/sse.js';
import type { ReadContext } from './context.js';
import { fetchResult, type JobResult, readResultBundle } from './fetch-result.js';
import { FINAL_JOB_STATES, isFinalJobState, type Job } from './job.js';
import { getJob } from './job-queries.js';
import { keyRequestOf, type LeaseKeyRequest, type StreamedJob, streamedJobOf } from './job-stream.js';

export interface WaitOptions {
  /** Called with the job each time its state changes (the first call gives the current state). */
  onProgress?: (job: Job) => void;
  signal?: AbortSignal;
  /** Give up (JOB_WAIT_TIMEOUT) after this long; the job itself goes on. */
  timeoutMs?: number;
  /** Polling interval once the event stream broke. */
  pollIntervalMs?: number;
  /** Consecutive failed polls (coordinator unreachable) tolerated before giving up. */
  maxPollFailures?: number;
  /**
   * Keep waiting while no known provider can run the job (`JOB_UNMATCHED`), for capacity that
   * may join later. Without it the wait throws JOB_UNMATCHED, with the coordinator's reason, at
   * once. A job that only waits its turn (`JOB_QUEUED`: providers busy) is always waited for.
   */
  waitForCapacity?: boolean;
  /**
   * A private job's lease asks for its keys (a `keys` event of the job's stream):
   * runPrivateJob answers it. Only a stream brings them; polling does not.
   */
  onKeyRequest?: (request: LeaseKeyRequest) => void;
}

/** Keeps the newest version seen, whichever channel brought it, and reports state changes. */
class Progress {
  latest: Job | undefined;
  #reported: string | undefined;

  constructor(
    private readonly onProgress: ((job: Job) => void) | undefined,
    private readonly waitForCapacity: boolean,
  ) {}

  see(job: Job): Job {
    if (this.latest && job.version <= this.latest.version) return this.latest;
    this.latest = job;
    if (job.state !== this.#reported) {
      this.#reported = job.state;
      this.onProgress?.(job);
    }
    if (!this.waitForCapacity && job.state === 'submitted' && job.error?.code === 'JOB_UNMATCHED') {
      throw new IdlegridError('JOB_UNMATCHED', `no provider can run job ${job.id}: ${job.error.message}`, {
        details: {
          jobId: job.id,
          reason: job.error.message,
          hint: 'change its constraints (price, region, resources), or wait for capacity (--wait-for-capacity)',
        },
      });
    }
    return job;
  }
}

/**
 * Waits until the job reaches a final state (accepted, settled, failed, expired,
 * cancelled) and returns it. Follows the coordinator's event stream; if the stream
 * cannot be opened or breaks, falls back to polling `GET /v1/jobs/:id`.
 */
export async function waitForJob(ctx: ReadContext, id: string, options: WaitOptions = {}): Promise<Job> {
  return (await waitFor(ctx, id, options, false)).job;
}

/**
 * Waits for the job like `waitForJob`, and brings its result with it: the event stream carries
 * an accepted job's result inline (checked as `fetchResult` checks it), so that waiting and
 * fetching take one request. `result` is absent for a job that ended without one.
 */
export async function waitForResult(
  ctx: ReadContext,
  id: string,
  options: WaitOptions = {},
): Promise<{ job: Job; result?: JobResult }> {
  return withResultOf(ctx, await waitFor(ctx, id, options, true), options);
}

/**
 * Submits with `submit` (a request answered with the job's event stream, `query` its filter) and
 * waits for the job's result like `waitForResult`: one request for the whole job. A job the
 * coordinator refuses throws its error; a stream that breaks falls back to polling.
 */
export async function submitAndWaitForResult(
  ctx: ReadContext,
  id: string,
  submit: StreamOpener,
  options: WaitOptions = {},
): Promise<{ job: Job; result?: JobResult }> {
  return withResultOf(ctx, await waitFor(ctx, id, options, true, submit), options);
}

/** Opens an event stream of one job, filtered by `query` (`states=...&results=inline`). */
export type StreamOpener = (query: string, signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>;

async function withResultOf(
  ctx: ReadContext,
  { job, bundle }: StreamedJob,
  options: WaitOptions,
): Promise<{ job: Job; result?: JobResult }> {
  if ((job.state !== 'accepted' && job.state !== 'settled') || job.resultCid === null) return { job };
  const requestOptions = options.signal ? { signal: options.signal } : {};
  const result = bundle
    ? await readResultBundle(ctx, job, bundle, requestOptions)
    : await fetchResult(ctx, job, requestOptions);
  return { job, result };
}

async function waitFor(
  ctx: ReadContext,
  id: string,
  options: WaitOptions,
  withResult: boolean,
  submit?: StreamOpener,
): Promise<StreamedJob> {
  const stop = new AbortController();
  let timedOut = false;
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop.abort();
        }, options.timeoutMs);
  const progress = new Progress(options.onProgress, options.waitForCapacity ?? false);
  try {
    // Without a progress callback only the final states matter, and `submitted`, which carries
    // the coordinator's word that no provider can run the job.
    const finalOnly = options.onProgress === undefined;
    const query = [
      finalOnly ? `states=submitted,${FINAL_JOB_STATES.join(',')}` : '',
      withResult ? 'results=inline' : '',
    ]
      .filter(Boolean)
      .join('&');
    const open: StreamOpener =
      submit ??
      ((filter, signal) =>
        ctx.coordinator.openStream(`/v1/events?job=${id}${filter ? `&${filter}` : ''}`, { signal }));
    const broken = (error: unknown, submitted: boolean) => {
      if (
        stop.signal.aborted ||
        isIdlegridError(error, 'JOB_NOT_FOUND') ||
        isIdlegridError(error, 'JOB_UNMATCHED')
      )
        throw error;
      // The coordinator answered the submission with a refusal: there is no job to wait for.
      if (submitted && isIdlegridError(error) && error.details.status !== undefined) throw error;
      return undefined; // the stream broke or could not open: poll instead
    };
    let streamed = await follow(open(query, stop.signal), id, progress, options.onKeyRequest).catch(
      (error: unknown) => broken(error, submit !== undefined),
    );
    // A private job's leases ask for their keys on its stream alone: it is opened again (the
    // coordinator announces the leases that still wait), not polled.
    for (let retry = 0; !streamed && options.onKeyRequest && !stop.signal.aborted; retry++) {
      await sleep(Math.min(2_000, 100 * 2 ** retry), stop.signal);
      const filter = query ? `&${query}` : '';
      const reopened = ctx.coordinator.openStream(`/v1/events?job=${id}${filter}`, { signal: stop.signal });
      streamed = await follow(reopened, id, progress, options.onKeyRequest).catch((error: unknown) =>
        broken(error, false),
      );
    }
    return streamed ?? { job: await poll(ctx, id, progress, stop.signal, options) };
  } catch (error) {
    if (timedOut) {
      throw new IdlegridError('JOB_WAIT_TIMEOUT', `job ${id} did not finish within ${options.timeoutMs} ms`, {
        details: { jobId: id, timeoutMs: options.timeoutMs, state: progress.latest?.state },
      });
    }
    if (stop.signal.aborted) throw new IdlegridError('ABORTED', `waiting for job ${id} was aborted`);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort(); // closes the event stream
  }
}

/**
 * Returns the final job, or undefined if the stream ended first. The stream starts with the
 * job's current record (so an already final job returns at once), then brings its changes.
 */
async function follow(
  opening: Promise<ReadableStream<Uint8Array>>,
  id: string,
  progress: Progress,
  onKeyRequest: WaitOptions['onKeyRequest'],
): Promise<StreamedJob | undefined> {
  const body = await opening;
  try {
    for await (const event of readSse(body)) {
      const keys = onKeyRequest && keyRequestOf(event);
      if (keys) onKeyRequest(keys);
      const followed = streamedJobOf(event);
      if (!followed || followed.job.id.toLowerCase() !== id.toLowerCase()) continue;
      const latest = progress.see(followed.job);
      // A stale repeat keeps the newest version seen, which came without this bundle.
      if (isFinalJobState(latest.state)) return latest === followed.job ? followed : { job: latest };
    }
  } finally {
    await body.cancel().catch(() => {});
  }
  return undefined;
}

async function poll(
  ctx: ReadContext,
  id: string,
  progress: Progress,
  signal: AbortSignal,
  options: WaitOptions,
) {
  let failures = 0;
  for (;;) {
    try {
      const job = progress.see(await getJob(ctx, id, { signal }));
      failures = 0;
      if (isFinalJobState(job.state)) return job;
    } catch (error) {
      const transient =
        isIdlegridError(error, 'COORDINATOR_UNAVAILABLE') || isIdlegridError(error, 'COORDINATOR_TIMEOUT');
      if (!transient || ++failures >= (options.maxPollFailures ?? 5)) throw error;
    }
    await sleep(options.pollIntervalMs ?? 1_000, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
