import type { RateLimit } from './api.js';

/** One key's bucket: its tokens as of `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

export function fullBucket(limit: RateLimit, now: number): Bucket {
  return { tokens: limit.burst, at: now };
}

/** The bucket refilled up to `now` (never above `burst`; a clock that goes back refills nothing). */
export function refill(bucket: Bucket, limit: RateLimit, now: number): Bucket {
  const elapsed = Math.max(0, now - bucket.at);
  return { tokens: Math.min(limit.burst, bucket.tokens + (elapsed / 1000) * limit.rate), at: now };
}

/**
 * How long until the (refilled) bucket holds `cost` tokens: 0 if it does now. A cost above
 * `burst` waits for a full bucket, and is then still refused (KeyLimiter says so).
 */
export function waitMs(bucket: Bucket, limit: RateLimit, cost: number): number {
  const missing = Math.min(cost, limit.burst) - bucket.tokens;
  return missing <= 0 ? 0 : (missing / limit.rate) * 1000;
}

/** Whether the bucket has stopped mattering: full again, as a fresh one would be. */
export function isFull(bucket: Bucket, limit: RateLimit, now: number): boolean {
  return refill(bucket, limit, now).tokens >= limit.burst;
}
