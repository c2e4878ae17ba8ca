import type { Address } from 'viem';
import type { ApiLimitsOptions, Clock, LoadSignal } from './api.js';
import { EventLoopLag } from './event-loop-lag.js';
import { KeyLimiter } from './key-limiter.js';
import { LoadShedder } from './load-shedder.js';

export interface RequestLimitsDeps {
  clock?: Clock;
  /** The event loop's delay; by default measured with perf_hooks while the limits are started. */
  load?: LoadSignal;
}

const noop = () => {};

/**
 * The API's limits (see api.ts): one token bucket per remote IP, per client address and per
 * API key, the daily quotas of clients and keys, and the load shedder. Every check throws the
 * refusal (RATE_LIMITED, QUOTA_EXCEEDED, OVERLOADED, with `details.retryAfter`); disabled, none does.
 */
export class RequestLimits {
  readonly ip: KeyLimiter;
  readonly client: KeyLimiter;
  readonly apiKey: KeyLimiter;
  readonly shedder: LoadShedder;
  readonly #lag: EventLoopLag | undefined;

  constructor(
    readonly options: ApiLimitsOptions,
    deps: RequestLimitsDeps = {},
  ) {
    const clock = deps.clock ?? Date.now;
    const maxKeys = options.maxKeys;
    this.ip = new KeyLimiter({ name: 'IP address', limit: options.ip, maxKeys, clock });
    this.client = new KeyLimiter({
      name: 'client',
      limit: options.client,
      perDay: options.client.jobsPerDay,
      unit: 'jobs',
      maxKeys,
      clock,
    });
    this.apiKey = new KeyLimiter({
      name: 'API key',
      limit: options.apiKey,
      perDay: options.apiKey.tokensPerDay,
      unit: 'tokens',
      maxKeys,
      clock,
    });
    this.#lag = deps.load || !options.enabled ? undefined : new EventLoopLag();
    this.shedder = new LoadShedder(options, deps.load ?? this.#lag ?? { eventLoopDelayMs: () => 0 });
  }

  /** Starts measuring the event loop (unless a load signal was given). */
  start(): void {
    this.#lag?.start();
  }

  stop(): void {
    this.#lag?.stop();
  }

  /** Before anything else of a request: sheds it while the event loop lags, counts it for its IP. */
  checkRequest(ip: string, cost = 1): void {
    if (!this.options.enabled) return;
    this.shedder.checkEventLoop();
    this.ip.take(ip, cost);
  }

  /** More of an IP's bucket, for a request that turned out to weigh more than one (a batch of N: N). */
  chargeIp(ip: string, cost: number): void {
    if (this.options.enabled && cost > 0) this.ip.take(ip, cost);
  }

  /**
   * Counts verified signed messages for their clients, all or none: `jobs` also count for the
   * day's quota (a cancel or a payment counts for the rate only).
   */
  chargeClients(counts: ReadonlyMap<Address, { messages: number; jobs: number }>): void {
    if (!this.options.enabled) return;
    this.client.takeAll(
      new Map(
        [...counts].map(([client, { messages, jobs }]) => [
          client.toLowerCase(),
          { cost: messages, quota: jobs },
        ]),
      ),
    );
  }

  /** One OpenAI request of a live API key (its session key address): its rate, and tokens left today. */
  chargeApiKey(key: Address): void {
    if (!this.options.enabled) return;
    this.apiKey.checkQuota(key.toLowerCase());
    this.apiKey.take(key.toLowerCase(), 1);
  }

  /** The tokens a finished OpenAI request used, for the key's day. */
  useTokens(key: Address, tokens: number): void {
    if (this.options.enabled && tokens > 0) this.apiKey.use(key.toLowerCase(), tokens);
  }

  admitSubmissions(count: number): () => void {
    return this.options.enabled ? this.shedder.admitSubmissions(count) : noop;
  }

  openStream(ip: string): () => void {
    return this.options.enabled ? this.shedder.openStream(ip) : noop;
  }
}
