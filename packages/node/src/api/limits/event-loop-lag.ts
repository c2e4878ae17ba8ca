import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoadSignal } from './api.js';

/**
 * The event loop's delay as perf_hooks measures it: the p99 of the last window (a second by
 * default), so that one slow turn does not shed load but a loop that keeps running late does.
 */
export class EventLoopLag implements LoadSignal {
  #histogram: IntervalHistogram | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastMs = 0;

  constructor(private readonly windowMs = 1_000) {}

  start(): void {
    if (this.#histogram) return;
    const histogram = monitorEventLoopDelay({ resolution: 20 });
    histogram.enable();
    this.#histogram = histogram;
    this.#timer = setInterval(() => {
      this.#lastMs = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
      histogram.reset();
    }, this.windowMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  eventLoopDelayMs(): number {
    return this.#lastMs;
  }
}
