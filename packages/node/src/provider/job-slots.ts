import { IdlegridError } from '@idlegrid/protocol';

export interface ActiveJob {
  controller: AbortController;
  cores: number;
  memoryMb: number;
  cancelled: boolean;
}

/**
 * The jobs running on this provider and the cores and memory they hold: a job is taken
 * only while it fits beside the others (PROVIDER_BUSY otherwise).
 */
export class JobSlots {
  readonly #active = new Map<string, ActiveJob>();

  constructor(private readonly capacity: { cpuCores: number; memoryMb: number }) {}

  get size(): number {
    return this.#active.size;
  }

  has(jobId: string): boolean {
    return this.#active.has(jobId.toLowerCase());
  }

  get(jobId: string): ActiveJob | undefined {
    return this.#active.get(jobId.toLowerCase());
  }

  ids(): string[] {
    return [...this.#active.keys()];
  }

  busyCores(): number {
    let cores = 0;
    for (const job of this.#active.values()) cores += job.cores;
    return cores;
  }

  /** Holds the cores and memory for the job, or throws PROVIDER_BUSY when they are not free. */
  take(jobId: string, cores: number, memoryMb: number): ActiveJob {
    let usedMemory = 0;
    for (const job of this.#active.values()) usedMemory += job.memoryMb;
    if (this.busyCores() + cores > this.capacity.cpuCores || usedMemory + memoryMb > this.capacity.memoryMb)
      throw new IdlegridError('PROVIDER_BUSY', `no room for ${cores} cores and ${memoryMb} MB now`);
    const job: ActiveJob = { controller: new AbortController(), cores, memoryMb, cancelled: false };
    this.#active.set(jobId.toLowerCase(), job);
    return job;
  }

  release(jobId: string): void {
    this.#active.delete(jobId.toLowerCase());
  }

  abortAll(reason: Error): void {
    for (const job of this.#active.values()) job.controller.abort(reason);
  }
}
