/** What a funding pays and how much of it is gone. Times are unix ms. */
export interface FundingTerms {
  pricePerReading: bigint;
  budget: bigint;
  from: number;
  until: number;
  spent: bigint;
}

export interface ScoredForReward {
  owner: string;
  t: number;
  rewardable: boolean;
}

export interface Accrual {
  /** The funding's spent amount after the batch. */
  spent: bigint;
  /** What the batch adds per owner. */
  byOwner: Map<string, { readings: number; owed: bigint }>;
  /** Rewardable readings of the window the budget could no longer pay. */
  unfunded: number;
}

/**
 * Adds a scored batch to what a funding owes: each rewardable reading measured in the funding's
 * window earns its owner the price, in the batch's order, while the budget lasts. Tokens are
 * conserved: what the owners gain is exactly what the budget loses, and it never goes below 0.
 */
export function accrue(terms: FundingTerms, batch: readonly ScoredForReward[]): Accrual {
  const byOwner = new Map<string, { readings: number; owed: bigint }>();
  let spent = terms.spent;
  let unfunded = 0;
  for (const { owner, t, rewardable } of batch) {
    if (!rewardable || t < terms.from || t > terms.until) continue;
    if (spent + terms.pricePerReading > terms.budget) {
      unfunded++;
      continue;
    }
    spent += terms.pricePerReading;
    const entry = byOwner.get(owner) ?? { readings: 0, owed: 0n };
    entry.readings++;
    entry.owed += terms.pricePerReading;
    byOwner.set(owner, entry);
  }
  return { spent, byOwner, unfunded };
}
