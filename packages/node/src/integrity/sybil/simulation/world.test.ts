import { describe, expect, it } from 'vitest';
import { SybilWorld } from './world.js';

const settings = { providers: 300, sybilFraction: 0.1, fakeFraction: 0.05 };

function twoHours(seed: number) {
  const world = new SybilWorld({ ...settings, seed });
  const first = world.observeHour(0);
  world.queueSimultaneousChallenges([fullClaimSybils(world).map((id) => id.address)]);
  return { world, hours: [structuredClone(first), structuredClone(world.observeHour(1))] };
}

/** Two identities of the first operator whose identities each claim the whole machine. */
function fullClaimSybils(world: SybilWorld) {
  const { identities, machines } = world.population;
  const full = identities.filter(
    (id) => id.kind === 'sybil' && id.claim.cpuCores === machines[id.machine]!.cores,
  );
  return full.filter((id) => id.operator === full[0]!.operator).slice(0, 2);
}

describe('sybil world', () => {
  it('is reproduced by its seed, and changed by another', () => {
    expect(twoHours(5).hours).toEqual(twoHours(5).hours);
    expect(twoHours(6).hours).not.toEqual(twoHours(5).hours);
  });

  it('has the population it was asked for: honest, fake hardware, and sybil operators of 2..20', () => {
    const { identities } = twoHours(5).world.population;
    expect(identities).toHaveLength(300);
    expect(identities.filter((id) => id.kind === 'sybil')).toHaveLength(30);
    expect(identities.filter((id) => id.kind === 'fake')).toHaveLength(15);
    const sizes = new Map<number, number>();
    for (const id of identities)
      if (id.operator >= 0) sizes.set(id.operator, (sizes.get(id.operator) ?? 0) + 1);
    for (const size of sizes.values()) expect(size).toBeGreaterThanOrEqual(2);
    for (const size of sizes.values()) expect(size).toBeLessThanOrEqual(20);
  });

  it('times a simultaneous challenge on one machine as the sum of its lanes', () => {
    const { world, hours } = twoHours(5);
    const record = hours[1]!.find((o) => o.address === fullClaimSybils(world)[0]!.address)!.challenges;
    const lone = record.find((c) => c.group.length === 0)!;
    const joint = record.find((c) => c.group.length > 0)!;
    expect(joint.group).toHaveLength(2);
    // More lanes on the same cores: slower than alone (the round trip aside).
    expect(joint.elapsedMs).toBeGreaterThan(lone.elapsedMs);
  });

  it('lets fake hardware fail its lone challenges, and honest machines pass them', () => {
    const { world } = twoHours(5);
    const failed = (kind: string) =>
      world.population.identities.filter((id) => id.kind === kind && world.hardwareFailedAt.has(id.address))
        .length;
    expect(failed('honest')).toBe(0);
    expect(failed('fake')).toBeGreaterThan(10);
  });
});
