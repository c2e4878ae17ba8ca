/**
 * When cheating does not pay. A provider paid V for a job can skip the work (saving its cost
 * C <= V) and return a wrong answer. The job is audited with probability p; an audit catches
 * the lie with probability q (its auditor is honest and arbitration works); caught, the
 * provider forfeits the payment and is slashed S. Then
 *
 *   E[cheat]  = (1 - p q) V - p q S
 *   E[honest] = V - C
 *
 * and cheating has negative expected value against honesty exactly when
 *
 *   p q (V + S) > C.
 *
 * With the slash set to the stake floor, S = m V (m = the Staking contract's
 * `stakeFloorMultiplier`), the sampling rate that makes honesty the better strategy even for
 * a job whose whole price is saved work (C = V) is p > 1 / (q (1 + m)).
 */
export interface CheatTerms {
  /** What the job pays. */
  value: number;
  /** What skipping the work saves (at most `value`). */
  savedCost: number;
  auditProbability: number;
  /** Probability that an audit, once made, exposes the lie. */
  detection: number;
  slash: number;
}

export function cheatingGain(terms: CheatTerms): number {
  const caught = terms.auditProbability * terms.detection;
  const cheat = (1 - caught) * terms.value - caught * terms.slash;
  const honest = terms.value - terms.savedCost;
  return cheat - honest;
}

/** The least audit probability at which cheating loses money, for a slash of `floorMultiplier` x the job's value. */
export function minimumAuditProbability(floorMultiplier: number, detection: number, savedShare = 1): number {
  return Math.min(1, savedShare / (detection * (1 + floorMultiplier)));
}
