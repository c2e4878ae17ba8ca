import { Random } from '../../../sim/random.js';
import { explorationGroups } from '../challenge-groups.js';
import { scoreSybilPairs } from '../detect.js';
import { UnionFind } from '../union-find.js';
import type { PopulationSettings } from './population.js';
import { SybilWorld } from './world.js';

export interface TrainingPairs {
  rows: Float64Array[];
  /** 1 where both identities belong to one sybil operator (one machine). */
  labels: number[];
}

/**
 * Labelled candidate pairs from a simulated world. Simultaneous challenges are sent to random
 * groups of candidates (not chosen by any model) and to exploration groups, so the model learns
 * what a joint challenge means for honest neighbours and for sybils alike, whoever asks for it.
 */
export function trainingPairs(settings: PopulationSettings & { hours: number }): TrainingPairs {
  const world = new SybilWorld(settings);
  const random = new Random(settings.seed * 31 + 7);
  const operatorOf = new Map(world.population.identities.map((id) => [id.address as string, id.operator]));
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  for (let hour = 0; hour < settings.hours; hour++) {
    const observations = world.observeHour(hour);
    const pairs = scoreSybilPairs(observations);
    if (hour > 0)
      for (const pair of pairs) {
        const a = operatorOf.get(observations[pair.a]!.address)!;
        rows.push(pair.features);
        labels.push(a >= 0 && a === operatorOf.get(observations[pair.b]!.address) ? 1 : 0);
      }
    // Random suspects, and everyone else explored as the coordinator may (challenge-groups.ts).
    const sets = new UnionFind(observations.length);
    for (const pair of pairs) if (random.next() < 0.3) sets.union(pair.a, pair.b);
    const suspects = sets.groups();
    const groups = [...suspects, ...explorationGroups(observations, new Set(suspects.flat()), 24)].flatMap(
      (members) =>
        Array.from({ length: Math.ceil(members.length / 24) }, (_, k) =>
          members.slice(k * 24, k * 24 + 24).map((m) => observations[m]!.address),
        ),
    );
    world.queueSimultaneousChallenges(groups.filter((g) => g.length > 1));
  }
  return { rows, labels };
}
