import { isIdlegridError } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { KeyLimiter } from './key-limiter.js';

/** A clock the test moves by hand: 2025-01-01T23:59:00Z to start. */
function manualClock(start = Date.UTC(2025, 0, 1, 23, 59, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function refusal(run: () => void) {
  try {
    run();
  } catch (error) {
    if (isIdlegridError(error)) return { code: error.code, retryAfter: error.details.retryAfter };
    throw error;
  }
  return undefined;
}

describe('KeyLimiter token bucket', () => {
  it('lets a burst through, then refuses with the seconds until a token is back', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 0.5, burst: 3 },
      maxKeys: 10,
      clock: clock.now,
    });
    for (let i = 0; i < 3; i++) limiter.take('a', 1);
    // One token every 2 s.
    expect(refusal(() => limiter.take('a', 1))).toEqual({ code: 'RATE_LIMITED', retryAfter: 2 });
    clock.advance(1_000);
    expect(refusal(() => limiter.take('a', 1))).toEqual({ code: 'RATE_LIMITED', retryAfter: 1 });
    clock.advance(1_000);
    expect(refusal(() => limiter.take('a', 1))).toBeUndefined();
    expect(limiter.refused.rate).toBe(2);
  });

  it('keeps keys apart: one key spent leaves another untouched', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 1, burst: 2 },
      maxKeys: 10,
      clock: clock.now,
    });
    limiter.take('flooder', 2);
    expect(refusal(() => limiter.take('flooder', 1))?.code).toBe('RATE_LIMITED');
    expect(refusal(() => limiter.take('other', 2))).toBeUndefined();
  });

  it('refills no more than the burst however long a key is idle', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'IP',
      limit: { rate: 10, burst: 5 },
      maxKeys: 10,
      clock: clock.now,
    });
    limiter.take('a', 5);
    clock.advance(3_600_000);
    limiter.take('a', 5);
    expect(refusal(() => limiter.take('a', 1))?.code).toBe('RATE_LIMITED');
  });

  it('takes from several keys all at once or not at all', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 1, burst: 4 },
      maxKeys: 10,
      clock: clock.now,
    });
    limiter.take('b', 3);
    const both = new Map([
      ['a', { cost: 2 }],
      ['b', { cost: 2 }],
    ]);
    expect(refusal(() => limiter.takeAll(both))?.code).toBe('RATE_LIMITED');
    // Nothing was taken from `a`: its whole burst is still there.
    expect(refusal(() => limiter.take('a', 4))).toBeUndefined();
  });

  it('refuses a cost above the burst, which no wait would let through', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 1, burst: 4 },
      maxKeys: 10,
      clock: clock.now,
    });
    expect(refusal(() => limiter.take('a', 5))).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refusal(() => limiter.take('a', 4))).toBeUndefined();
  });
});

describe('KeyLimiter daily quota', () => {
  it('refuses past the day’s quota until 00:00 UTC, then renews', () => {
    const clock = manualClock();
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 100, burst: 100 },
      perDay: 3,
      unit: 'jobs',
      maxKeys: 10,
      clock: clock.now,
    });
    limiter.take('a', 2, 2);
    // A cancel (cost, no quota) still goes through at the quota's edge.
    limiter.take('a', 1, 1);
    expect(refusal(() => limiter.take('a', 1, 1))).toEqual({ code: 'QUOTA_EXCEEDED', retryAfter: 60 });
    expect(refusal(() => limiter.take('a', 1, 0))).toBeUndefined();
    clock.advance(60_000);
    expect(refusal(() => limiter.take('a', 1, 1))).toBeUndefined();
    expect(limiter.refused.quota).toBe(1);
  });

  it('counts usage known only afterwards (tokens) and refuses once none is left', () => {
    const clock = manualClock(Date.UTC(2025, 0, 1, 12, 0, 0));
    const limiter = new KeyLimiter({
      name: 'API key',
      limit: { rate: 100, burst: 100 },
      perDay: 1_000,
      unit: 'tokens',
      maxKeys: 10,
      clock: clock.now,
    });
    limiter.checkQuota('k');
    limiter.use('k', 999);
    expect(refusal(() => limiter.checkQuota('k'))).toBeUndefined();
    // The last request may go over by its own size; the next is refused.
    limiter.use('k', 500);
    expect(refusal(() => limiter.checkQuota('k'))).toEqual({ code: 'QUOTA_EXCEEDED', retryAfter: 12 * 3600 });
    expect(refusal(() => limiter.checkQuota('other'))).toBeUndefined();
  });
});
