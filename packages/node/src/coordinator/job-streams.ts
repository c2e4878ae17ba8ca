import type { Address } from 'viem';
import { type JobProgress, jobProgressSchema } from '../jobs/wire.js';

export type ProgressListener = (progress: JobProgress) => void;

interface Stream {
  listener: ProgressListener;
  /** Only the provider the job is assigned to may stream it; unknown until assignment. */
  provider: Address | undefined;
}

/**
 * Partial output of running jobs (streamed llm text), relayed from `job.progress` to whoever
 * follows the job in this process (an OpenAI streaming request). Nothing is stored: the signed
 * result that follows is the record; a job nobody follows has its progress dropped.
 */
export class JobStreams {
  readonly #streams = new Map<string, Stream>();

  /** Follows a job's progress; `assign` names the provider whose messages count. */
  follow(jobId: string, listener: ProgressListener) {
    const stream: Stream = { listener, provider: undefined };
    const id = jobId.toLowerCase();
    this.#streams.set(id, stream);
    return {
      assign: (provider: Address | undefined) => {
        stream.provider = provider;
      },
      close: () => {
        if (this.#streams.get(id) === stream) this.#streams.delete(id);
      },
    };
  }

  /** A `job.progress` body from `from`; anything malformed or from another provider is ignored. */
  deliver(from: Address, body: unknown): void {
    const parsed = jobProgressSchema.safeParse(body);
    if (!parsed.success) return;
    const stream = this.#streams.get(parsed.data.jobId.toLowerCase());
    if (stream?.provider && stream.provider.toLowerCase() === from.toLowerCase())
      stream.listener(parsed.data);
  }
}
