import { isIdlegridError, type ResultManifest } from '@idlegrid/protocol';

export interface PendingResult {
  jobId: string;
  manifest: ResultManifest;
  /** Unix milliseconds after which the job is over and nobody wants the result. */
  deadlineMs: number;
  /** Stages the outputs and sends `job.result`; resolves once the coordinator took it. */
  send(): Promise<void>;
}

export interface ResultOutboxOptions {
  now: () => number;
  onDelivered: (result: PendingResult) => void;
  onDropped: (result: PendingResult, reason: string) => void;
}

/**
 * Results not yet taken by the coordinator. A result that cannot be delivered because the
 * coordinator is away (restarting, unreachable) stays here and is sent again on every retry
 * (the daemon retries after each hello), until its job's deadline; a refusal (the job was
 * given to another provider meanwhile, the result is invalid) drops it. The ids of what is
 * held go into the hello, so a restarted coordinator knows these jobs are not lost.
 */
export class ResultOutbox {
  readonly #pending = new Map<string, PendingResult>();
  readonly #sending = new Set<string>();

  constructor(private readonly options: ResultOutboxOptions) {}

  /** Keeps the result and tries to send it at once. */
  async deliver(result: PendingResult): Promise<void> {
    this.#pending.set(result.jobId, result);
    await this.#attempt(result);
  }

  /** Tries every held result again (those not being sent right now). */
  async retry(): Promise<void> {
    await Promise.all([...this.#pending.values()].map((result) => this.#attempt(result)));
  }

  ids(): string[] {
    return [...this.#pending.keys()];
  }

  /** Forgets a result the coordinator no longer wants (the job was cancelled or moved). */
  discard(jobId: string): void {
    this.#pending.delete(jobId);
  }

  async #attempt(result: PendingResult): Promise<void> {
    if (this.#sending.has(result.jobId)) return;
    if (this.options.now() > result.deadlineMs) return this.#drop(result, 'its deadline passed');
    this.#sending.add(result.jobId);
    try {
      await result.send();
      if (this.#pending.delete(result.jobId)) this.options.onDelivered(result);
    } catch (error) {
      if (!isTransient(error)) this.#drop(result, error instanceof Error ? error.message : String(error));
    } finally {
      this.#sending.delete(result.jobId);
    }
  }

  #drop(result: PendingResult, reason: string): void {
    if (this.#pending.delete(result.jobId)) this.options.onDropped(result, reason);
  }
}

/**
 * Worth retrying: the coordinator could not be reached or failed on its side. A definite
 * answer from it (RESULT_INVALID, JOB_NOT_FOUND, ...) is final.
 */
function isTransient(error: unknown): boolean {
  if (!isIdlegridError(error)) return true;
  return error.code.startsWith('P2P_') || error.code === 'ARTIFACT_FETCH_FAILED' || error.code === 'INTERNAL';
}
