import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cheatingGain, minimumAuditProbability } from './economics.js';

describe('the cheating inequality', () => {
  it('makes cheating lose money at or above the minimum audit probability, and pay below it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (multiplier, detection, savedShare, value) => {
          const p = minimumAuditProbability(multiplier, detection, savedShare);
          const terms = { value, savedCost: savedShare * value, detection, slash: multiplier * value };
          expect(cheatingGain({ ...terms, auditProbability: Math.min(1, p * 1.01) })).toBeLessThan(
            1e-9 * value,
          );
          if (p < 1) expect(cheatingGain({ ...terms, auditProbability: p * 0.9 })).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('needs about 9% sampling at the contract stake floor (10x) when a whole job can be skipped', () => {
    expect(minimumAuditProbability(10, 1)).toBeCloseTo(1 / 11, 9);
    // A provider that saves half the price by cheating, audited by an honest verifier 90% of the time.
    expect(minimumAuditProbability(10, 0.9, 0.5)).toBeCloseTo(0.5 / (0.9 * 11), 9);
  });
});
