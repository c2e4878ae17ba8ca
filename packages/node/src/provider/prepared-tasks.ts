import type { Executor, PreparedTask, RunRequest, RunResult } from '../runtimes/api.js';

/**
 * Compiled modules (or loaded models) by CID, least recently used evicted first. Clients resubmit the same module
 * many times (a sweep over inputs, a service); compiling it once per provider instead of once
 * per job takes the compile off the job's latency. A failed prepare is not kept, so a module
 * that could not be fetched is tried again next time.
 */
export class PreparedTaskCache<Source = Uint8Array> {
  readonly #tasks = new Map<string, Promise<PreparedTask>>();

  constructor(
    private readonly executor: Executor<RunRequest, RunResult, Source>,
    private readonly capacity = 32,
  ) {}

  /** The prepared task for `cid`, preparing `load()`'s bytes on a miss. */
  get(cid: string, load: () => Promise<Source>, signal?: AbortSignal): Promise<PreparedTask> {
    const cached = this.#tasks.get(cid);
    if (cached) {
      this.#tasks.delete(cid);
      this.#tasks.set(cid, cached);
      return cached;
    }
    const prepared = load().then((bytes) => this.executor.prepare(bytes, signal ? { signal } : {}));
    this.#tasks.set(cid, prepared);
    prepared.catch(() => {
      if (this.#tasks.get(cid) === prepared) this.#tasks.delete(cid);
    });
    this.#evict();
    return prepared;
  }

  get size(): number {
    return this.#tasks.size;
  }

  async clear(): Promise<void> {
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    await Promise.all(tasks.map((task) => task.then((t) => t.dispose()).catch(() => {})));
  }

  #evict(): void {
    while (this.#tasks.size > this.capacity) {
      const [oldest, task] = this.#tasks.entries().next().value as [string, Promise<PreparedTask>];
      this.#tasks.delete(oldest);
      // A run still holding the task finishes first: disposing only drops cached compilations.
      void task.then((t) => t.dispose()).catch(() => {});
    }
  }
}
