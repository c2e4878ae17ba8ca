import type { JobEventBus } from '../coordinator/job-event-bus.js';

/** Seconds of history kept: the dashboard's throughput chart spans this. */
const WINDOW_SECONDS = 300;
/** jobs/s is averaged over this many seconds, so one burst does not read as the rate. */
const RATE_SECONDS = 10;

/**
 * Jobs accepted per second, from the event bus: a ring of per-second counts covering the
 * last five minutes. Kept in memory; a restarted coordinator starts the chart afresh.
 */
export class ThroughputMeter {
  readonly #counts = new Array<number>(WINDOW_SECONDS).fill(0);
  /** The second (since the epoch) that each slot of the ring last counted. */
  readonly #seconds = new Array<number>(WINDOW_SECONDS).fill(-1);

  constructor(bus: JobEventBus) {
    bus.subscribe((job) => {
      if (job.state === 'accepted') this.record(Date.now());
    });
  }

  record(now: number): void {
    const second = Math.floor(now / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]!++;
  }

  /** Accepted jobs in each of the last `seconds` whole seconds, oldest first. */
  series(now: number, seconds = WINDOW_SECONDS): number[] {
    const current = Math.floor(now / 1000);
    const out: number[] = [];
    for (let second = current - Math.min(seconds, WINDOW_SECONDS); second < current; second++) {
      const slot = second % WINDOW_SECONDS;
      out.push(this.#seconds[slot] === second ? this.#counts[slot]! : 0);
    }
    return out;
  }

  /** Jobs accepted per second over the last ten whole seconds. */
  rate(now: number): number {
    return this.series(now, RATE_SECONDS).reduce((sum, count) => sum + count, 0) / RATE_SECONDS;
  }
}
