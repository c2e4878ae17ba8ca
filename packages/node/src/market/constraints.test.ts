import { describe, expect, it } from 'vitest';
import type { ExclusionReason, JobRequest, ProviderProfile } from '../scheduler/api.js';
import { testJob, testProfile } from '../scheduler/testing.js';
import { exclusionOf, gpuMatches } from './constraints.js';

const context = { nowMs: 1_000_000, stakeFactor: 2, expectedCost: () => 10 };

describe('exclusionOf', () => {
  it('lets an eligible provider through', () => {
    expect(exclusionOf(testJob(), testProfile(), context)).toBeUndefined();
  });

  // Each row breaks exactly one constraint of an otherwise eligible pair.
  const cases: [ExclusionReason, Partial<JobRequest>, Partial<ProviderProfile>, Partial<typeof context>?][] =
    [
      ['runtime', { runtime: 'onnx' }, {}],
      ['model', { model: 'llama' }, { models: ['qwen'] }],
      ['cores', { cpuCores: 8 }, {}],
      ['memory', { memoryMb: 16_384 }, {}],
      ['gpu', { gpu: 'any' }, {}],
      ['gpu', { gpu: 'h100' }, { gpuCount: 1, gpuModel: 'nvidia rtx 4090' }],
      ['vram', { vramMb: 16_000 }, { vramMb: 8_000 }],
      ['region', { region: 'us' }, {}],
      ['rtt', { maxRttMs: 10 }, {}],
      ['rtt', { maxRttMs: 100 }, { rttMs: undefined }],
      ['size', { maxSeconds: 30 }, { minJobSeconds: 60 }],
      ['size', { maxSeconds: 600 }, { maxJobSeconds: 300 }],
      ['price', { maxPrice: 5 }, {}],
      ['stake', {}, { stake: 19_999 }],
      ['reputation', { minReputation: 0.8 }, { reputation: 0.7 }],
      ['availability', {}, { availableFrom: 2_000_000 }],
      ['availability', {}, { availableUntil: 999_999 }],
    ];
  it.each(cases)('excludes for %s', (reason, job, provider, extra) => {
    expect(exclusionOf(testJob(job), testProfile(provider), { ...context, ...extra })).toBe(reason);
  });

  it('accepts the boundaries themselves', () => {
    const job = testJob({ maxRttMs: 20, maxSeconds: 300, maxPrice: 10, minReputation: 0.5 });
    const provider = testProfile({
      minJobSeconds: 300,
      maxJobSeconds: 300,
      stake: 20,
      availableUntil: 1_000_000,
    });
    expect(exclusionOf(job, provider, context)).toBeUndefined();
  });
});

describe('gpuMatches', () => {
  it('matches any GPU, or a class by name, case-insensitively', () => {
    const h100 = { gpuCount: 1, gpuModel: 'nvidia h100 80gb hbm3' };
    expect(gpuMatches('any', h100)).toBe(true);
    expect(gpuMatches('H100', h100)).toBe(true);
    expect(gpuMatches('a100', h100)).toBe(false);
    expect(gpuMatches('any', { gpuCount: 0, gpuModel: '' })).toBe(false);
  });
});
