import { privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveApiLimits } from '../limits/limits-settings.js';
import { RequestLimits } from '../limits/request-limits.js';
import { type EquippedApi, equippedApi } from '../testing.js';

let api: EquippedApi;
let clockMs = Date.UTC(2025, 5, 1, 18, 0, 0);
const limits = new RequestLimits(resolveApiLimits({ apiKey: { rate: 0.5, burst: 2, tokensPerDay: 1_000 } }), {
  clock: () => clockMs,
  load: { eventLoopDelayMs: () => 0 },
});
beforeAll(async () => {
  api = await equippedApi({}, { limits });
});
afterAll(() => api.close());
beforeEach(() => {
  api.grant = { cap: 10n ** 18n, spent: 0n, expiry: BigInt(Math.floor(Date.now() / 1000) + 3600) };
  clockMs += 3_600_000; // every bucket full again
});

const sessionKey = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}` as const;
const apiKey = (n: number) => `sk-idg-${'ab'.repeat(20)}${sessionKey(n).slice(2)}`;
const chat = (key: string) =>
  api.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'nope', messages: [{ role: 'user', content: 'hi' }] },
    headers: { authorization: `Bearer ${key}` },
  });

describe('OpenAI API limits', () => {
  it("answers 429 in OpenAI's shape with Retry-After once a key spends its burst, and not another key", async () => {
    // Past the key check, the request fails on its model: each counts.
    for (let i = 0; i < 2; i++) expect((await chat(apiKey(1))).statusCode).toBe(404);
    const refused = await chat(apiKey(1));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.json()).toEqual({
      error: {
        message: expect.any(String),
        type: 'rate_limit_exceeded',
        param: null,
        code: 'RATE_LIMITED',
        details: expect.objectContaining({ retryAfter: 2 }),
      },
    });
    expect((await chat(apiKey(2))).statusCode).toBe(404);
  });

  it('counts a key only once the chain says it is live: a made-up key drains no bucket', async () => {
    api.grant = { cap: 0n, spent: 0n, expiry: 0n };
    for (let i = 0; i < 5; i++) expect((await chat(apiKey(3))).statusCode).toBe(401);
    api.grant = { cap: 10n ** 18n, spent: 0n, expiry: BigInt(Math.floor(Date.now() / 1000) + 3600) };
    for (let i = 0; i < 2; i++) expect((await chat(apiKey(3))).statusCode).toBe(404);
  });

  it('answers 429 insufficient_quota once the key has used its tokens of the day, until 00:00 UTC', async () => {
    limits.useTokens(privateKeyToAddress(sessionKey(4)), 1_000);
    const refused = await chat(apiKey(4));
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({
      type: 'insufficient_quota',
      code: 'QUOTA_EXCEEDED',
      param: null,
    });
    const untilMidnight = (Date.UTC(2025, 5, 2) - clockMs) / 1000;
    expect(refused.headers['retry-after']).toBe(String(Math.ceil(untilMidnight)));
    expect((await chat(apiKey(5))).statusCode).toBe(404);
  });
});
