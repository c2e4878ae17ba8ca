import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accrue, type FundingTerms, type ScoredForReward } from './reward-accrual.js';

const owners = ['0xa', '0xb', '0xc', '0xd'];
const reading = fc.record({
  owner: fc.constantFrom(...owners),
  t: fc.integer({ min: 0, max: 1_000 }),
  rewardable: fc.boolean(),
});
const terms = fc
  .record({
    pricePerReading: fc.bigInt({ min: 1n, max: 10n ** 18n }),
    readingsBudget: fc.integer({ min: 0, max: 60 }),
    extra: fc.bigInt({ min: 0n, max: 10n ** 18n }),
    from: fc.integer({ min: 0, max: 500 }),
    length: fc.integer({ min: 0, max: 1_000 }),
  })
  .map(
    ({ pricePerReading, readingsBudget, extra, from, length }): FundingTerms => ({
      pricePerReading,
      budget: pricePerReading * BigInt(readingsBudget) + (extra % pricePerReading),
      from,
      until: from + length,
      spent: 0n,
    }),
  );

describe('reward accrual (property)', () => {
  it('conserves tokens over any batches: owners gain what the budget loses, never past it', () => {
    fc.assert(
      fc.property(
        terms,
        fc.array(fc.array(reading, { maxLength: 40 }), { maxLength: 6 }),
        (initial, batches) => {
          let current = initial;
          const owed = new Map<string, bigint>();
          let eligible = 0;
          for (const batch of batches) {
            const result = accrue(current, batch);
            let gained = 0n;
            for (const [owner, entry] of result.byOwner) {
              expect(entry.owed).toBe(current.pricePerReading * BigInt(entry.readings));
              owed.set(owner, (owed.get(owner) ?? 0n) + entry.owed);
              gained += entry.owed;
            }
            expect(result.spent - current.spent).toBe(gained);
            expect(result.spent).toBeLessThanOrEqual(current.budget);
            eligible += batch.filter(
              (r) => r.rewardable && r.t >= current.from && r.t <= current.until,
            ).length;
            current = { ...current, spent: result.spent };
          }
          const total = [...owed.values()].reduce((a, b) => a + b, 0n);
          expect(total).toBe(current.spent);
          // Every eligible reading is paid while the budget lasts: none is left unpaid for nothing.
          const affordable = Number(current.budget / current.pricePerReading);
          expect(total).toBe(current.pricePerReading * BigInt(Math.min(eligible, affordable)));
        },
      ),
    );
  });

  it('pays nothing for readings below the threshold or outside the window', () => {
    const batch: ScoredForReward[] = [
      { owner: '0xa', t: 5, rewardable: false },
      { owner: '0xa', t: 50, rewardable: true },
      { owner: '0xb', t: 10, rewardable: true },
    ];
    const result = accrue({ pricePerReading: 3n, budget: 100n, from: 0, until: 20, spent: 0n }, batch);
    expect([...result.byOwner]).toEqual([['0xb', { readings: 1, owed: 3n }]]);
    expect(result.spent).toBe(3n);
  });
});
