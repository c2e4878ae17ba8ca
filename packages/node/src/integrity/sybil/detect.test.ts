import { describe, expect, it } from 'vitest';
import type { Address } from './api.js';
import { suggestChallengeGroups } from './challenge-groups.js';
import { detectSybilClusters } from './detect.js';
import { SybilWorld } from './simulation/world.js';

const SIZES = Array.from({ length: 19 }, (_, i) => i + 2);

/** A world with one sybil operator of each size 2..20, watched for `hours`, sending the challenges the model asks for (exploring too). */
function watch(seed: number, hours: number) {
  const world = new SybilWorld({ providers: 1_500, fakeFraction: 0.05, operatorSizes: SIZES, seed });
  let observations = world.observeHour(0);
  for (let hour = 1; hour < hours; hour++) {
    world.queueSimultaneousChallenges(
      suggestChallengeGroups(observations, undefined, { exploreGroupSize: 24 }),
    );
    observations = world.observeHour(hour);
  }
  return { world, clusters: detectSybilClusters(observations) };
}

describe('detectSybilClusters', () => {
  const { world, clusters } = watch(11, 3);
  const { identities } = world.population;
  const byAddress = new Map(identities.map((id) => [id.address as string, id]));

  it('finds sybil operations of 2..20 identities, most with exactly the right members, and mixes in no honest one', () => {
    const operatorsIn = (members: string[]) => new Set(members.map((a) => byAddress.get(a)!.operator));
    const exact = SIZES.filter((_, operator) => {
      const members = new Set(
        identities.filter((id) => id.operator === operator).map((id) => id.address as string),
      );
      return clusters.some(
        (c) => c.members.length === members.size && c.members.every((a) => members.has(a)),
      );
    });
    // Measured at commit: 15 of 19 exact after 3 hours. The misses: two operations with every
    // identity behind its own proxy, heartbeats desynchronised and telemetry faked or blurred,
    // found in parts or not yet; and two found whole but joined into one cluster (both sybil).
    expect(exact.length).toBeGreaterThanOrEqual(15);
    const found = SIZES.filter((_, operator) =>
      clusters.some((c) => c.members.filter((a) => byAddress.get(a)!.operator === operator).length >= 2),
    );
    expect(found.length).toBeGreaterThanOrEqual(18);
    for (const cluster of clusters) {
      const operators = operatorsIn(cluster.members);
      expect(operators.size === 1 || !operators.has(-1)).toBe(true);
    }
  });

  it('flags no NAT or data-centre neighbours of each other, and hardly any honest provider at all', () => {
    const honest = identities.filter((id) => id.kind !== 'sybil');
    const subnet = (host: string) => host.split('.').slice(0, 3).join('.');
    const neighbours = (a: string, b: string) => {
      const [x, y] = [byAddress.get(a)!, byAddress.get(b)!];
      return x.operator < 0 && y.operator < 0 && subnet(x.host) === subnet(y.host);
    };
    const hostCount = new Map<string, number>();
    for (const id of honest) hostCount.set(id.host, (hostCount.get(id.host) ?? 0) + 1);
    expect(honest.filter((id) => hostCount.get(id.host)! > 1).length).toBeGreaterThan(100);
    for (const { members } of clusters)
      for (const a of members) for (const b of members) if (a !== b) expect(neighbours(a, b)).toBe(false);
    const flagged = new Set<Address>(clusters.flatMap((c) => c.members));
    expect(honest.filter((id) => flagged.has(id.address)).length).toBeLessThanOrEqual(0.005 * honest.length);
  });

  it('gives each cluster a score and evidence in sentences', () => {
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      expect(cluster.score).toBeGreaterThan(0.5);
      expect(cluster.evidence.length).toBeGreaterThan(0);
      for (const e of cluster.evidence) expect(e.reason).toMatch(/^[a-z0-9].{20,}/);
    }
    const sentences = clusters.flatMap((c) => c.evidence.map((e) => e.feature));
    expect(sentences).toContain('jointSlowedTogether');
    expect(byAddress.get(clusters[0]!.members[0]!)!.kind).toBe('sybil');
  });
});

describe('suggestChallengeGroups', () => {
  it('asks for simultaneous challenges of suspects not yet challenged together, and stops once they are', () => {
    const world = new SybilWorld({ providers: 400, fakeFraction: 0.05, operatorSizes: [3, 6], seed: 4 });
    const first = suggestChallengeGroups(world.observeHour(0));
    const operatorOf = (a: Address) => world.population.identities.find((id) => id.address === a)!.operator;
    for (const operator of [0, 1])
      expect(first.some((g) => g.filter((a) => operatorOf(a) === operator).length >= 2)).toBe(true);
    world.queueSimultaneousChallenges(first);
    const second = suggestChallengeGroups(world.observeHour(1)).flat();
    const challenged = new Set(first.flat());
    expect(second.filter((a) => challenged.has(a) && operatorOf(a) >= 0).length).toBeLessThan(
      challenged.size / 4,
    );
  });
});
