import { aborted, timedOut } from './errors.js';

/**
 * A run's wall-time limit and AbortSignal, checked between steps (batches of rows, training
 * batches): TF.js computes one step synchronously and cannot be stopped inside it.
 */
export class Deadline {
  private readonly at: number;

  constructor(
    private readonly wallTimeMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.at = performance.now() + wallTimeMs;
    if (signal?.aborted) throw aborted('tfjs run', signal);
  }

  /** True once the signal has aborted or the time has passed. */
  get passed(): boolean {
    return this.signal?.aborted === true || performance.now() > this.at;
  }

  /** Throws ABORTED (the signal) or the timeout once either has come. */
  check(): void {
    if (this.signal?.aborted) throw aborted('tfjs run', this.signal);
    if (performance.now() > this.at) throw timedOut(this.wallTimeMs);
  }

  /** Lets timers and other requests run (the signal can only abort in between), then checks. */
  async yield(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.check();
  }
}
