import type { ApiLimitsOptions, LoadSignal } from './api.js';
import { overloaded } from './errors.js';

type SheddingOptions = Pick<
  ApiLimitsOptions,
  'maxEventLoopDelayMs' | 'maxPendingSubmissions' | 'maxStreams' | 'maxStreamsPerIp'
>;

/** What a shed request is told to wait when nothing says better. */
const RETRY_MS = 1_000;

/**
 * Sheds load (503 OVERLOADED) instead of falling over: every request while the event loop
 * lags, submissions past a bound on those not yet stored, event streams past a bound in total
 * and per remote IP. Each admission returns its release, to call once (more calls do nothing).
 */
export class LoadShedder {
  #pending = 0;
  #streams = 0;
  readonly #streamsByIp = new Map<string, number>();
  /** Requests shed, by reason, for /metrics. */
  readonly shed = { eventLoopDelay: 0, pendingSubmissions: 0, streams: 0 };

  constructor(
    private readonly options: SheddingOptions,
    private readonly signal: LoadSignal,
  ) {}

  get pendingSubmissions(): number {
    return this.#pending;
  }

  get openStreams(): number {
    return this.#streams;
  }

  eventLoopDelayMs(): number {
    return this.signal.eventLoopDelayMs();
  }

  /** Throws OVERLOADED while the event loop is later than allowed. */
  checkEventLoop(): void {
    const delay = this.signal.eventLoopDelayMs();
    if (delay <= this.options.maxEventLoopDelayMs) return;
    this.shed.eventLoopDelay++;
    throw overloaded(
      `the coordinator is overloaded: its event loop runs ${Math.round(delay)} ms late`,
      delay,
      {
        reason: 'event-loop-delay',
        delayMs: Math.round(delay),
        maxMs: this.options.maxEventLoopDelayMs,
      },
    );
  }

  /** Admits `count` submissions until they are stored (the release), or throws OVERLOADED. */
  admitSubmissions(count: number): () => void {
    const max = this.options.maxPendingSubmissions;
    if (this.#pending + count > max) {
      this.shed.pendingSubmissions++;
      throw overloaded(
        `the coordinator is overloaded: ${this.#pending} submissions wait to be stored`,
        RETRY_MS,
        {
          reason: 'pending-submissions',
          pending: this.#pending,
          max,
        },
      );
    }
    this.#pending += count;
    return once(() => {
      this.#pending -= count;
    });
  }

  /** Admits an event stream from `ip` until it closes (the release), or throws OVERLOADED. */
  openStream(ip: string): () => void {
    const ofIp = this.#streamsByIp.get(ip) ?? 0;
    const { maxStreams, maxStreamsPerIp } = this.options;
    if (this.#streams >= maxStreams || ofIp >= maxStreamsPerIp) {
      this.shed.streams++;
      const perIp = ofIp >= maxStreamsPerIp;
      throw overloaded(
        perIp
          ? `this address has ${ofIp} event streams open, the most allowed`
          : `the coordinator has ${this.#streams} event streams open, the most it serves`,
        RETRY_MS,
        { reason: perIp ? 'streams-per-ip' : 'streams', max: perIp ? maxStreamsPerIp : maxStreams },
      );
    }
    this.#streams++;
    this.#streamsByIp.set(ip, ofIp + 1);
    return once(() => {
      this.#streams--;
      const left = (this.#streamsByIp.get(ip) ?? 1) - 1;
      if (left > 0) this.#streamsByIp.set(ip, left);
      else this.#streamsByIp.delete(ip);
    });
  }
}

function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
