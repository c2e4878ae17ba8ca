import type { JobRecord } from '../jobs/api.js';

export type JobListener = (job: JobRecord) => void;

/** Which changes a listener wants: one job's, one client's, or (neither) all of them. */
export interface JobInterest {
  job?: string;
  client?: string;
}

/**
 * In-process fan-out of job changes to SSE clients, metrics and the scheduler. Listeners of one
 * job or one client are indexed by it: a change reaches its own listeners only, so a thousand
 * open job streams do not each look at every change (that made a change cost O(streams)).
 */
export class JobEventBus {
  readonly #all = new Set<JobListener>();
  readonly #byJob = new Map<string, Set<JobListener>>();
  readonly #byClient = new Map<string, Set<JobListener>>();

  publish(job: JobRecord): void {
    for (const listener of [...this.#all]) listener(job);
    const ofJob = this.#byJob.get(job.id.toLowerCase());
    if (ofJob) for (const listener of [...ofJob]) listener(job);
    const ofClient = this.#byClient.get(job.client.toLowerCase());
    if (ofClient) for (const listener of [...ofClient]) listener(job);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: JobListener, interest: JobInterest = {}): () => void {
    if (interest.job !== undefined) return add(this.#byJob, interest.job.toLowerCase(), listener);
    if (interest.client !== undefined) return add(this.#byClient, interest.client.toLowerCase(), listener);
    this.#all.add(listener);
    return () => this.#all.delete(listener);
  }
}

function add(index: Map<string, Set<JobListener>>, key: string, listener: JobListener): () => void {
  const listeners = index.get(key) ?? new Set<JobListener>();
  index.set(key, listeners);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && index.get(key) === listeners) index.delete(key);
  };
}
