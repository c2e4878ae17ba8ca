/** The coordinator of a job taken through the mesh: the peer that assigned it, and its API. */
export interface MeshJobCoordinator {
  peer: string;
  apiUrl: string;
  /** The job's deadline, ms: past it, nothing more is said about the job. */
  until: number;
}

/**
 * Jobs this provider took from coordinators it is not joined to: another coordinator of the
 * mesh placed them here through its relay. Their answers, progress and reveals go back to that
 * coordinator, and only it may cancel them or send their keys. Every other job belongs to the
 * coordinator joined now (a cluster's survivor takes the answers of one that died).
 */
export class MeshJobs {
  readonly #jobs = new Map<string, MeshJobCoordinator>();

  add(jobId: string, coordinator: MeshJobCoordinator): void {
    this.#jobs.set(jobId.toLowerCase(), coordinator);
  }

  get(jobId: string): MeshJobCoordinator | undefined {
    return this.#jobs.get(jobId.toLowerCase());
  }

  /** Forgets jobs past their deadline. */
  prune(now: number): void {
    for (const [jobId, coordinator] of this.#jobs) if (coordinator.until < now) this.#jobs.delete(jobId);
  }
}
