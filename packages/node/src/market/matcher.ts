import type { JobSpec, Offer } from '@idlegrid/protocol';
import type { Address } from 'viem';

export interface Candidate {
  provider: Address;
  offer: Offer;
  /** Jobs the provider runs now; a provider takes at most one job per offered core. */
  activeJobs: number;
}

export type ExclusionReason =
  | 'runtime'
  | 'cores'
  | 'memory'
  | 'price'
  | 'region'
  | 'availability'
  | 'busy'
  | 'excluded';

export type MatchOutcome =
  | { matched: true; candidate: Candidate }
  | { matched: false; reasons: Partial<Record<ExclusionReason, number>>; offers: number };

/** Why an offer cannot take the job, or undefined if it can. Checked in this order. */
export function exclusionOf(
  spec: JobSpec,
  candidate: Candidate,
  nowSeconds: bigint,
): ExclusionReason | undefined {
  const { offer } = candidate;
  if (!offer.runtimes.includes(spec.runtime)) return 'runtime';
  if (offer.cpuCores < Math.max(1, spec.cpuCores)) return 'cores';
  if (offer.memoryMb < spec.memoryMb) return 'memory';
  // The client's max price must at least buy one CPU-second per requested core.
  if (offer.pricePerCpuSecond * BigInt(Math.max(1, spec.cpuCores)) > spec.maxPrice) return 'price';
  if (spec.region !== '' && offer.region !== spec.region) return 'region';
  if (
    offer.availableUntil !== 0n &&
    (nowSeconds < offer.availableFrom || nowSeconds > offer.availableUntil)
  ) {
    return 'availability';
  }
  if (candidate.activeJobs >= offer.cpuCores) return 'busy';
  return undefined;
}

/**
 * Matching v1: the cheapest eligible offer (price per CPU-second), ties to the least busy.
 * When nothing fits, says how many offers each constraint excluded, so a client learns at
 * once why its job cannot run instead of waiting on a silent queue.
 */
export function matchCheapest(
  spec: JobSpec,
  candidates: readonly Candidate[],
  nowSeconds: bigint,
  excluded: ReadonlySet<Address> = new Set(),
): MatchOutcome {
  const reasons: Partial<Record<ExclusionReason, number>> = {};
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    const reason = excluded.has(candidate.provider) ? 'excluded' : exclusionOf(spec, candidate, nowSeconds);
    if (reason) {
      reasons[reason] = (reasons[reason] ?? 0) + 1;
      continue;
    }
    if (
      !best ||
      candidate.offer.pricePerCpuSecond < best.offer.pricePerCpuSecond ||
      (candidate.offer.pricePerCpuSecond === best.offer.pricePerCpuSecond &&
        candidate.activeJobs < best.activeJobs)
    ) {
      best = candidate;
    }
  }
  return best ? { matched: true, candidate: best } : { matched: false, reasons, offers: candidates.length };
}

/** What the client pays for a run: CPU-seconds used at the offer's price, never above its max price. */
export function chargeFor(spec: JobSpec, offer: Offer, durationMs: number): bigint {
  const cores = BigInt(Math.max(1, spec.cpuCores));
  const milliCpuSeconds = BigInt(Math.ceil(durationMs)) * cores;
  const charge = (milliCpuSeconds * offer.pricePerCpuSecond + 999n) / 1000n;
  return charge < spec.maxPrice ? charge : spec.maxPrice;
}
