import type { Clock, RateLimit } from './api.js';
import { type DayUsage, untilNextDayMs, usageOn } from './daily-quota.js';
import { quotaExceeded, rateLimited } from './errors.js';
import { KeyTable } from './key-table.js';
import { type Bucket, fullBucket, isFull, refill, waitMs } from './token-bucket.js';

interface KeyState {
  bucket: Bucket;
  usage?: DayUsage;
}

export interface KeyLimiterOptions {
  /** What the keys are, for messages: `client`, `API key`, `IP`. */
  name: string;
  limit: RateLimit;
  /** Units (jobs, tokens) a key may use a UTC day; none: no quota. */
  perDay?: number;
  /** What the quota counts, for messages. */
  unit?: string;
  maxKeys: number;
  clock: Clock;
}

/** Counts what one key may still do now, for a limiter's callers to refuse before the work. */
export class KeyLimiter {
  readonly #table: KeyTable<KeyState>;
  /** Refusals by kind, for /metrics. */
  readonly refused = { rate: 0, quota: 0 };

  constructor(readonly options: KeyLimiterOptions) {
    this.#table = new KeyTable(options.maxKeys, (state, now) => {
      const used = state.usage === undefined ? 0 : usageOn(state.usage, now).used;
      return used === 0 && isFull(state.bucket, options.limit, now);
    });
  }

  get keys(): number {
    return this.#table.size;
  }

  get evicted(): number {
    return this.#table.evicted;
  }

  /** Takes `cost` tokens from the key's bucket (and `quota` of its day), or throws RATE_LIMITED / QUOTA_EXCEEDED. */
  take(key: string, cost: number, quota = 0): void {
    this.takeAll(new Map([[key, { cost, quota }]]));
  }

  /** Takes from several keys at once: all of them, or (throwing) none. */
  takeAll(costs: ReadonlyMap<string, { cost: number; quota?: number }>): void {
    const now = this.options.clock();
    const next = new Map<string, KeyState>();
    for (const [key, { cost, quota = 0 }] of costs) {
      const state = this.#stateOf(key, now);
      this.#check(key, state, cost, quota, now);
      next.set(key, {
        bucket: { tokens: state.bucket.tokens - cost, at: now },
        ...(state.usage ? { usage: { ...state.usage, used: state.usage.used + quota } } : {}),
      });
    }
    for (const [key, state] of next) this.#table.set(key, state, now);
  }

  /** Throws QUOTA_EXCEEDED if the key has nothing left of its day (a quota counted after the work, like tokens). */
  checkQuota(key: string): void {
    const now = this.options.clock();
    this.#check(key, this.#stateOf(key, now), 0, 'any left', now);
  }

  /** Adds what a finished request used to the key's day. */
  use(key: string, amount: number): void {
    const now = this.options.clock();
    const state = this.#stateOf(key, now);
    if (state.usage)
      this.#table.set(key, { ...state, usage: { ...state.usage, used: state.usage.used + amount } }, now);
  }

  /** The key's state refilled to `now`, with today's usage (fresh for a key not seen). */
  #stateOf(key: string, now: number): KeyState {
    const { limit, perDay } = this.options;
    const known = this.#table.get(key);
    const bucket = known ? refill(known.bucket, limit, now) : fullBucket(limit, now);
    return { bucket, ...(perDay === undefined ? {} : { usage: usageOn(known?.usage, now) }) };
  }

  /** `quota`: what the request adds to the key's day (0: not counted), or `any left` for one counted after it. */
  #check(key: string, state: KeyState, cost: number, quota: number | 'any left', now: number): void {
    const { name, limit, perDay, unit = 'units' } = this.options;
    const adds = quota === 'any left' ? 1 : quota;
    if (perDay !== undefined && state.usage && adds > 0 && state.usage.used + adds > perDay) {
      this.refused.quota++;
      throw quotaExceeded(`this ${name} has used its ${perDay} ${unit} of today (UTC)`, untilNextDayMs(now), {
        key,
        quota: perDay,
        used: state.usage.used,
      });
    }
    if (cost > limit.burst) {
      this.refused.rate++;
      throw rateLimited(
        `this request counts ${cost}, more than a ${name} may send at once (${limit.burst}): send less at a time`,
        waitMs(state.bucket, limit, cost),
        { key, cost, burst: limit.burst, rate: limit.rate },
      );
    }
    const wait = waitMs(state.bucket, limit, cost);
    if (wait > 0) {
      this.refused.rate++;
      throw rateLimited(`too many requests from this ${name}: ${limit.rate} a second`, wait, {
        key,
        cost,
        burst: limit.burst,
        rate: limit.rate,
      });
    }
  }
}
