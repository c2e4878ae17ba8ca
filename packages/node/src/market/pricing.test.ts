import { type JobSpec, type Offer, parseMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { describe, expect, it } from 'vitest';
import { chargeFor, costPerSecond } from './pricing.js';

const base = sampleMessages('0x0000000000000000000000000000000000000001', 1_800_000_000n);
const spec = (over: Partial<JobSpec> = {}) =>
  ({
    ...parseMessage('JobSpec', base.JobSpec),
    cpuCores: 1,
    memoryMb: 0,
    maxPrice: 10n ** 9n,
    ...over,
  }) as JobSpec;
const offer = (over: Partial<Offer> = {}) =>
  ({ ...parseMessage('Offer', base.Offer), pricePerCpuSecond: 300n, ...over }) as Offer;

describe('chargeFor', () => {
  it('charges CPU-seconds used, rounded up, capped at the max price', () => {
    expect(chargeFor(spec({ cpuCores: 2 }), offer(), { durationMs: 1_500 })).toBe(900n);
    expect(chargeFor(spec(), offer(), { durationMs: 1 })).toBe(1n);
    expect(chargeFor(spec({ maxPrice: 100n }), offer(), { durationMs: 10_000 })).toBe(100n);
  });

  it('adds memory held per GiB-second and a GPU-second when the job asked for a GPU', () => {
    const priced = offer({ pricePerCpuSecond: 100n, pricePerGbSecond: 40n, pricePerGpuSecond: 1_000n });
    expect(chargeFor(spec({ memoryMb: 2_048 }), priced, { durationMs: 2_000 })).toBe(2n * (100n + 80n));
    expect(chargeFor(spec({ memoryMb: 512, gpuClass: 'any' }), priced, { durationMs: 1_000 })).toBe(
      100n + 20n + 1_000n,
    );
  });
});

describe('chargeFor, per token', () => {
  it('charges llm runs for prompt plus completion tokens at the price per thousand, not for time', () => {
    const priced = offer({ pricePerCpuSecond: 100n, pricePer1kTokens: 2_000n });
    const llm = spec({ runtime: 'llm' });
    expect(chargeFor(llm, priced, { durationMs: 60_000, tokens: 1_500 })).toBe(3_000n);
    expect(chargeFor(llm, priced, { durationMs: 60_000, tokens: 1 })).toBe(2n);
    expect(chargeFor(llm, priced, { durationMs: 60_000 })).toBe(0n);
    expect(chargeFor({ ...llm, maxPrice: 10n }, priced, { durationMs: 1, tokens: 1_500 })).toBe(10n);
  });
});

describe('costPerSecond', () => {
  it('prices the same shape as chargeFor, in floating point for ranking', () => {
    const prices = { cpuSecond: 100, gpuSecond: 1_000, gbSecond: 40, kiloTokens: 0 };
    expect(costPerSecond(prices, { cpuCores: 2, memoryMb: 512, gpu: 'any' })).toBe(200 + 20 + 1_000);
    expect(costPerSecond(prices, { cpuCores: 0, memoryMb: 0, gpu: '' })).toBe(100);
  });
});
