import { Random } from '../../sim/random.js';
import type { Address, IdentityObservation, ScoredPair, SybilModel } from './api.js';
import { scoreSybilPairs } from './detect.js';
import { JOINT_OUTCOMES, SYBIL_FEATURES } from './features.js';
import { TRAINED_SYBIL_MODEL } from './trained-model.js';
import { UnionFind } from './union-find.js';

const OUTCOMES = JOINT_OUTCOMES.map((f) => SYBIL_FEATURES.indexOf(f));
/** Whether a simultaneous challenge has named both already (every pair that had one has an outcome). */
const testedTogether = (pair: ScoredPair) => OUTCOMES.some((i) => pair.features[i]! > 0);

export interface ChallengeGroupOptions {
  /** A simultaneous challenge names at most this many identities (a larger group is split). */
  maxGroup?: number;
  /**
   * Also put everyone not suspected into simultaneous challenges of this many (0: don't): group
   * testing for sybils that hide every passive signal. Identities with the same claim go together,
   * since cloned identities claim alike; the order within a claim changes every hour. It costs
   * each identity one challenge per call.
   */
  exploreGroupSize?: number;
}

/**
 * Which identities to challenge at the same instant next: those linked by pairs at or above the
 * model's challenge threshold that no simultaneous challenge has yet tested. One machine cannot
 * answer N claims at once, while N honest machines can, so this turns suspicion into proof.
 */
export function suggestChallengeGroups(
  observations: IdentityObservation[],
  model: SybilModel = TRAINED_SYBIL_MODEL,
  options: ChallengeGroupOptions = {},
): Address[][] {
  return challengeGroupsFromPairs(scoreSybilPairs(observations, model), observations, model, options);
}

/** suggestChallengeGroups on pairs already scored. */
export function challengeGroupsFromPairs(
  pairs: readonly ScoredPair[],
  observations: readonly IdentityObservation[],
  model: SybilModel = TRAINED_SYBIL_MODEL,
  options: ChallengeGroupOptions = {},
): Address[][] {
  const maxGroup = options.maxGroup ?? 24;
  const sets = new UnionFind(observations.length);
  for (const pair of pairs)
    if (pair.probability >= model.challengeThreshold && !testedTogether(pair)) sets.union(pair.a, pair.b);
  const suspects = sets.groups();
  const groups = suspects.flatMap((members) => chunks(members, maxGroup));
  if (options.exploreGroupSize)
    groups.push(...explorationGroups(observations, new Set(suspects.flat()), options.exploreGroupSize));
  return groups.map((members) => members.map((m) => observations[m]!.address)).filter((g) => g.length > 1);
}

/** Everyone but `excluded`, in groups of `size`: by claim, and in an order within each claim that changes every hour. */
export function explorationGroups(
  observations: readonly IdentityObservation[],
  excluded: ReadonlySet<number>,
  size: number,
): number[][] {
  const random = new Random(Math.floor((observations[0]?.heartbeatAt[0] ?? 0) / 3_600_000));
  const claimOf = (i: number) => {
    const { cpuCores, memoryMb, gpuCount } = observations[i]!.claim;
    return `${cpuCores}/${memoryMb}/${gpuCount}`;
  };
  const order = observations
    .map((_, i) => ({ i, claim: claimOf(i), tie: random.next() }))
    .filter(({ i }) => !excluded.has(i))
    .sort((x, y) => (x.claim < y.claim ? -1 : x.claim > y.claim ? 1 : x.tie - y.tie))
    .map(({ i }) => i);
  return chunks(order, size);
}

function chunks(members: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < members.length; i += size) out.push(members.slice(i, i + size));
  return out;
}
