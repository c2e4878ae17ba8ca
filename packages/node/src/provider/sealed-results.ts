import { IdlegridError } from '@idlegrid/protocol';
import type { JobResult } from '../jobs/wire.js';

interface Sealed {
  /** Unix milliseconds after which nobody will ask for it. */
  deadlineMs: number;
  open: () => Promise<JobResult>;
}

/**
 * Answers of commit-reveal jobs: the commitment went out, the answer stays here until the
 * coordinator asks for it (`job.reveal`), which it does only once every replica committed.
 * An answer is kept after it is revealed (the reply may be lost and asked for again) until
 * its job is cancelled or its deadline passes.
 */
export class SealedResults {
  readonly #held = new Map<string, Sealed>();

  seal(jobId: string, deadlineMs: number, open: () => Promise<JobResult>): void {
    this.#held.set(jobId, { deadlineMs, open });
  }

  async reveal(jobId: string): Promise<JobResult> {
    const sealed = this.#held.get(jobId.toLowerCase());
    if (!sealed) throw new IdlegridError('JOB_NOT_FOUND', `no committed answer to job ${jobId} is held here`);
    return sealed.open();
  }

  discard(jobId: string): void {
    this.#held.delete(jobId);
  }

  /** Jobs whose answers are held, as the hello lists them; past their deadline they are forgotten. */
  ids(nowMs: number): string[] {
    for (const [jobId, sealed] of this.#held) if (sealed.deadlineMs < nowMs) this.#held.delete(jobId);
    return [...this.#held.keys()];
  }
}
