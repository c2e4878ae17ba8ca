/** A token bucket: `burst` tokens at most, refilled at `rate` tokens a second. */
export interface RateLimit {
  rate: number;
  burst: number;
}

/**
 * The coordinator's per-key limits and load shedding (docs/protocol.md, "Limits"). Requests are
 * keyed by who sent them: the remote IP before anything is verified, then the client address of
 * a signed message once its signature is, or the API key once the chain says it is live.
 */
export interface ApiLimitsOptions {
  /** Off: no limit and no shedding (the metrics still count nothing). */
  enabled: boolean;
  /** Requests per remote IP, every route but /healthz and /metrics; a batch counts its jobs. */
  ip: RateLimit;
  /** Signed jobs, cancels and payments per client address, counted once the signature is verified. */
  client: RateLimit & { jobsPerDay: number };
  /** OpenAI requests per API key (session key), and the tokens it may use a day (UTC). */
  apiKey: RateLimit & { tokensPerDay: number };
  /** Keys each table remembers; past it the least recently seen is forgotten (its bucket starts full again). */
  maxKeys: number;
  /** Shed every request (503 OVERLOADED) while the event loop's delay (p99 over a second) is above this. */
  maxEventLoopDelayMs: number;
  /** Submissions (jobs) received and not yet stored; more are shed. */
  maxPendingSubmissions: number;
  /** Open event streams (job events, OpenAI streams) in total, and per remote IP. */
  maxStreams: number;
  maxStreamsPerIp: number;
}

/** Far above what one client of the benchmarks or tests asks for (docs/benchmarks.md: about 400 jobs/s). */
export const DEFAULT_API_LIMITS: ApiLimitsOptions = {
  enabled: true,
  ip: { rate: 2_000, burst: 10_000 },
  client: { rate: 200, burst: 10_000, jobsPerDay: 1_000_000 },
  apiKey: { rate: 20, burst: 100, tokensPerDay: 10_000_000 },
  maxKeys: 100_000,
  maxEventLoopDelayMs: 2_000,
  maxPendingSubmissions: 10_000,
  maxStreams: 5_000,
  maxStreamsPerIp: 256,
};

/** Milliseconds since the epoch; injected in tests. */
export type Clock = () => number;

/** How late the event loop runs now, in milliseconds (see event-loop-lag.ts); injected in tests. */
export interface LoadSignal {
  eventLoopDelayMs(): number;
}
