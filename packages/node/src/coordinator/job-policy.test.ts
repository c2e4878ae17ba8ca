import { describe, expect, it } from 'vitest';
import { DEFAULT_VERIFICATION, type VerificationSettings } from './job-intake.js';
import { jobPolicy, pinDefault } from './job-policy.js';

const spec = (name: string, verification = '', runtime = 'wasm') => ({
  jobId: `0x${Buffer.from(name).toString('hex').padStart(64, '0')}` as const,
  verification,
  runtime,
});

describe('a job verification policy', () => {
  it('keeps the network default it was accepted under when governance changes the default', () => {
    const settings: VerificationSettings = { ...DEFAULT_VERIFICATION, pinned: new Map() };
    pinDefault(spec('a'), settings);
    pinDefault(spec('named', 'sample:0.2'), settings);
    settings.default = { kind: 'replicate', replicas: 3 };
    expect(jobPolicy(spec('a'), settings)).toEqual({ kind: 'none' });
    // A job accepted after the change, and one that named its own policy.
    expect(jobPolicy(spec('b'), settings)).toEqual({ kind: 'replicate', replicas: 3 });
    expect(jobPolicy(spec('named', 'sample:0.2'), settings)).toEqual({ kind: 'sample', probability: 0.2 });
    expect(settings.pinned?.has(spec('named').jobId)).toBe(false);
  });

  it('carries a default LLM answers cannot take as sampled re-scoring', () => {
    const settings: VerificationSettings = {
      ...DEFAULT_VERIFICATION,
      default: { kind: 'replicate', replicas: 3 },
    };
    expect(jobPolicy(spec('c', '', 'llm'), settings)).toEqual({ kind: 'sample', probability: 1 });
    settings.default = { kind: 'canary' };
    expect(jobPolicy(spec('d', '', 'llm'), settings)).toEqual({
      kind: 'sample',
      probability: DEFAULT_VERIFICATION.canaryRate,
    });
    expect(jobPolicy(spec('e', '', 'wasm'), settings)).toEqual({ kind: 'canary' });
  });
});
