/** The coordinator that assigned a job: the peer its answer goes to, and its API. */
export interface JobCoordinator {
  peer: string;
  /** The API it named in the assignment: used for a job placed through the mesh. */
  apiUrl: string;
  /** Placed by a coordinator this provider is not joined to, through the mesh. */
  throughMesh: boolean;
  /** The job's deadline, ms: past it, nothing more is said about the job. */
  until: number;
}

/**
 * The coordinator of each job this provider took. Its answer, progress and reveal go back to
 * that coordinator, and it may cancel the job or send its keys (so may the coordinator joined
 * now: in a cluster it shares the job's store). When the assigning coordinator is gone, the
 * joined one is offered the answer; if it refuses (separate stores), the answer waits for the
 * assigning coordinator to come back, restarted.
 */
export class JobCoordinators {
  readonly #jobs = new Map<string, JobCoordinator>();

  add(jobId: string, coordinator: JobCoordinator): void {
    this.#jobs.set(jobId.toLowerCase(), coordinator);
  }

  get(jobId: string): JobCoordinator | undefined {
    return this.#jobs.get(jobId.toLowerCase());
  }

  /** Forgets jobs past their deadline. */
  prune(now: number): void {
    for (const [jobId, coordinator] of this.#jobs) if (coordinator.until < now) this.#jobs.delete(jobId);
  }
}
