import type { IdentityObservation, ScoredPair, SybilCluster, SybilModel } from './api.js';
import { candidatePairs } from './candidates.js';
import { evidenceFor } from './evidence.js';
import { pairFeatures, SYBIL_FEATURES } from './features.js';
import { contributions, pairProbability } from './model.js';
import { profileIdentity, timeGrid } from './profile.js';
import { TRAINED_SYBIL_MODEL } from './trained-model.js';
import { UnionFind } from './union-find.js';

/** At most this many pieces of evidence per cluster: the strongest pulls. */
const EVIDENCE_ITEMS = 5;

/** Scores every candidate pair (candidates.ts) with the model: the probability that both identities run on one machine. */
export function scoreSybilPairs(
  observations: readonly IdentityObservation[],
  model: SybilModel = TRAINED_SYBIL_MODEL,
): ScoredPair[] {
  const grid = timeGrid(observations);
  const profiles = observations.map((o, i) => profileIdentity(o, i, grid));
  // The hashing planes change with each hour's window, so a pair missed once is not missed always.
  const seed = Math.floor(grid.startMs / 3_600_000);
  return candidatePairs(profiles, grid.periodMs, seed).map(([a, b]) => {
    const features = pairFeatures(profiles[a]!, profiles[b]!, grid.periodMs);
    return { a, b, probability: pairProbability(model, features), features };
  });
}

/** Clusters of identities linked by pairs at or above the model's link threshold, each with its score and evidence. */
export function detectSybilClusters(
  observations: IdentityObservation[],
  model: SybilModel = TRAINED_SYBIL_MODEL,
): SybilCluster[] {
  return clustersFromPairs(scoreSybilPairs(observations, model), observations, model);
}

/** detectSybilClusters on pairs already scored (so one scoring serves clusters and challenge groups). */
export function clustersFromPairs(
  pairs: readonly ScoredPair[],
  observations: readonly IdentityObservation[],
  model: SybilModel = TRAINED_SYBIL_MODEL,
): SybilCluster[] {
  const links = pairs.filter((p) => p.probability >= model.linkThreshold);
  const sets = new UnionFind(observations.length);
  for (const link of links) sets.union(link.a, link.b);
  const linksByRoot = new Map<number, ScoredPair[]>();
  for (const link of links) {
    const root = sets.find(link.a);
    const list = linksByRoot.get(root);
    if (list) list.push(link);
    else linksByRoot.set(root, [link]);
  }
  return sets
    .groups()
    .map((members) => describe(members, linksByRoot.get(sets.find(members[0]!)) ?? [], observations, model))
    .sort((x, y) => y.members.length - x.members.length || y.score - x.score);
}

function describe(
  members: number[],
  links: ScoredPair[],
  observations: readonly IdentityObservation[],
  model: SybilModel,
): SybilCluster {
  const meanOf = (vectors: ArrayLike<number>[], i: number) =>
    vectors.reduce((sum, v) => sum + v[i]!, 0) / vectors.length;
  const pulls = links.map((l) => contributions(model, l.features));
  const features = links.map((l) => l.features);
  const evidence = SYBIL_FEATURES.map((feature, i) => ({ feature, i, pull: meanOf(pulls, i) }))
    .filter((e) => e.pull > 0.1)
    .sort((x, y) => y.pull - x.pull)
    .slice(0, EVIDENCE_ITEMS)
    .map((e) => evidenceFor(e.feature, meanOf(features, e.i)));
  return {
    members: members.map((i) => observations[i]!.address),
    score: links.reduce((sum, l) => sum + l.probability, 0) / links.length,
    evidence,
  };
}
