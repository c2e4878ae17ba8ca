import type { JobRecord } from '../jobs/api.js';

/**
 * The latest version of recently written or read jobs, by id: a job's life is a handful of
 * transitions, each of which would otherwise read the row it is about to replace. Bounded:
 * the least recently stored records are dropped first. Records are frozen, since callers share them.
 */
export class JobRecordCache {
  readonly #records = new Map<string, JobRecord>();

  /** 5,000: at 100 jobs/s, 50 s of jobs, far longer than one job's life; each record holds its signed spec. */
  constructor(private readonly capacity = 5_000) {}

  get(id: string): JobRecord | undefined {
    return this.#records.get(id);
  }

  /** Keeps `record` unless a newer version of the job is already kept (writers may finish out of order). */
  set(record: JobRecord): JobRecord {
    const kept = this.#records.get(record.id);
    if (kept && kept.version > record.version) return kept;
    this.#records.delete(record.id);
    this.#records.set(record.id, Object.freeze(record));
    if (this.#records.size > this.capacity) {
      this.#records.delete(this.#records.keys().next().value!);
    }
    return record;
  }

  delete(id: string): void {
    this.#records.delete(id);
  }
}
