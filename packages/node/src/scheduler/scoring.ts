import { costPerSecond, expectedCost } from '../market/pricing.js';
import type { CandidateScore, JobRequest, PolicyName, ProviderProfile } from './api.js';
import type { FailurePredictor } from './failure-predictor.js';
import type { RuntimePredictor } from './runtime-predictor.js';

/** How much the learned policy weighs completion time and failure risk against cost. */
export interface ScoreWeights {
  /** Weight of expected completion time relative to the fastest candidate's. */
  time: number;
  /** Weight of the failure probability (0..1). */
  risk: number;
  /** Weight of the provider's load (0..1): among otherwise equal providers, work spreads. */
  load: number;
}

export const DEFAULT_WEIGHTS: ScoreWeights = { time: 0.5, risk: 4, load: 0.5 };

export interface ScoringContext {
  runtimes: RuntimePredictor;
  failures: FailurePredictor;
  /** One-way latency between the job's client and the provider, ms. */
  latencyMs: (job: JobRequest, provider: ProviderProfile) => number;
  /** How long a dropped provider goes unnoticed before the job is retried, seconds. */
  detectionSeconds: number;
  weights: ScoreWeights;
}

/** The raw predictions for one provider; `terms` and `score` are set by `rank`. */
export function predict(
  context: ScoringContext,
  job: JobRequest,
  provider: ProviderProfile,
  load = 0,
): CandidateScore {
  const run = context.runtimes.seconds(job, provider);
  const failureProbability = context.failures.failureProbability(provider.address, run);
  const roundTrips = (2 * context.latencyMs(job, provider)) / 1000;
  const pricePerSecond = costPerSecond(provider.prices, job);
  return {
    provider: provider.address,
    pricePerSecond,
    expectedCost: expectedCost(provider.prices, job, run),
    expectedRunSeconds: run,
    expectedCompletionSeconds: roundTrips + run + failureProbability * (context.detectionSeconds + run),
    failureProbability,
    load,
    suspicion: provider.suspicion ?? 0,
    terms: { cost: 0, time: 0, risk: 0, load: 0 },
    score: 0,
  };
}

/**
 * Scores candidates in place, lowest best. `cheapest`: price of the job's shape per second
 * (what a plain reverse auction compares); `learned`: expected cost and expected completion
 * time, each relative to the best candidate's, plus weighted failure risk and load; `random`:
 * all equal.
 */
export function rank(policy: PolicyName, candidates: readonly CandidateScore[], weights: ScoreWeights): void {
  if (policy === 'random') return;
  if (policy === 'cheapest') {
    for (const candidate of candidates) {
      candidate.terms.cost = candidate.pricePerSecond;
      candidate.score = candidate.pricePerSecond;
    }
    return;
  }
  let minCost = Number.POSITIVE_INFINITY;
  let minTime = Number.POSITIVE_INFINITY;
  let minPrice = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    minCost = Math.min(minCost, candidate.expectedCost);
    minTime = Math.min(minTime, candidate.expectedCompletionSeconds);
    minPrice = Math.min(minPrice, candidate.pricePerSecond);
  }
  // Differences smaller than a second of work (a millisecond of round trip or run time on a
  // no-op job) must not outweigh everything else: each scale is at least one second's worth.
  minTime = Math.max(minTime, 1);
  minCost = Math.max(minCost, minPrice);
  for (const candidate of candidates) {
    const { terms } = candidate;
    terms.cost = candidate.expectedCost / (minCost || 1);
    terms.time = (weights.time * candidate.expectedCompletionSeconds) / (minTime || 1);
    // A suspect's result may have to be run again, like a dropped one's: the same weight.
    terms.risk = weights.risk * (candidate.failureProbability + candidate.suspicion);
    terms.load = weights.load * candidate.load;
    candidate.score = terms.cost + terms.time + terms.risk + terms.load;
  }
}
