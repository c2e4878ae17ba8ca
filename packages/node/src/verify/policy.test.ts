import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatVerification, parseVerification, policyForConfidence } from './policy.js';

const network = { default: { kind: 'sample', probability: 0.05 } as const, adversarialShare: 0.1 };

describe('parseVerification', () => {
  it.each([
    ['', { kind: 'sample', probability: 0.05 }],
    ['none', { kind: 'none' }],
    ['sample:0.1', { kind: 'sample', probability: 0.1 }],
    ['sample(0.25)', { kind: 'sample', probability: 0.25 }],
    ['replicate:3', { kind: 'replicate', replicas: 3 }],
    ['Replicate(2)', { kind: 'replicate', replicas: 2 }],
    ['canary', { kind: 'canary' }],
    ['canary:0.5', { kind: 'canary', probability: 0.5 }],
    ['confidence:0.999', { kind: 'replicate', replicas: 3 }],
    ['confidence:0.95', { kind: 'sample', probability: 0.5 }],
  ])('reads "%s"', (text, policy) => {
    expect(parseVerification(text, network)).toEqual(policy);
  });

  it.each([
    'sample:0',
    'sample:1.5',
    'replicate:1',
    'replicate:2.5',
    'replicate:9',
    'confidence:1',
    'sample(0.1',
    'canary:0',
    'trust',
  ])('refuses "%s" with INVALID_ARGUMENT', (text) => {
    expect(() => parseVerification(text, network)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('writes what it reads', () => {
    for (const text of ['none', 'canary', 'canary(0.2)', 'sample(0.05)', 'replicate(3)']) {
      expect(formatVerification(parseVerification(text, network))).toBe(text);
    }
  });
});

describe('policyForConfidence', () => {
  it('keeps the chance of accepting a wrong result within 1 - confidence', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 0.99999, noNaN: true }),
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        (confidence, share) => {
          const policy = policyForConfidence(confidence, share);
          const wrong =
            policy.kind === 'none'
              ? share
              : policy.kind === 'sample'
                ? share * (1 - policy.probability)
                : policy.kind === 'replicate'
                  ? share ** policy.replicas
                  : 1;
          // Seven replicas is the cap: beyond it the target cannot be promised.
          if (policy.kind === 'replicate' && policy.replicas === 7) return;
          expect(wrong).toBeLessThanOrEqual(1 - confidence + 1e-12);
        },
      ),
    );
  });
});
