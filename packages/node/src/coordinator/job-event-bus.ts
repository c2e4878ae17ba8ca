import { EventEmitter } from 'node:events';
import type { JobRecord } from '../jobs/api.js';

export type JobListener = (job: JobRecord) => void;

/** In-process fan-out of job changes to SSE clients, metrics and (later) the scheduler. */
export class JobEventBus {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  publish(job: JobRecord): void {
    this.#emitter.emit('job', job);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: JobListener): () => void {
    this.#emitter.on('job', listener);
    return () => this.#emitter.off('job', listener);
  }
}
