import type { Address, IdentityObservation, SybilModel } from '../api.js';
import { type ChallengeGroupOptions, challengeGroupsFromPairs } from '../challenge-groups.js';
import { clustersFromPairs, scoreSybilPairs } from '../detect.js';
import type { PopulationSettings } from './population.js';
import { SybilWorld } from './world.js';

/** A detector under test: the clusters it flags in an hour's observations, and the groups it wants challenged together. */
export interface SybilPolicy {
  name: string;
  decide(observations: IdentityObservation[]): { clusters: Address[][]; challenge: Address[][] };
}

/** The model: clusters from its pair scores, and simultaneous challenges for its unconfirmed suspects. */
export function modelPolicy(
  model?: SybilModel,
  options: ChallengeGroupOptions = {},
  name = 'model',
): SybilPolicy {
  return {
    name,
    decide(observations) {
      const pairs = scoreSybilPairs(observations, model);
      return {
        clusters: clustersFromPairs(pairs, observations, model).map((c) => c.members),
        challenge: challengeGroupsFromPairs(pairs, observations, model, options),
      };
    },
  };
}

/** The baseline rule: identities seen at the same IP address are one sybil. */
export const sameAddressRule: SybilPolicy = {
  name: 'same IP ⇒ sybil',
  decide(observations) {
    const byHost = new Map<string, Address[]>();
    for (const o of observations)
      for (const host of o.hosts) byHost.set(host, [...(byHost.get(host) ?? []), o.address]);
    return { clusters: [...byHost.values()].filter((members) => members.length > 1), challenge: [] };
  },
};

export interface SybilRunSettings extends PopulationSettings {
  hours: number;
}

/** Per policy, the clusters it flagged after each hour. */
export interface SybilRun {
  world: SybilWorld;
  flagged: Map<string, Address[][][]>;
}

/**
 * Runs the world for `hours`, letting each policy look after every hour. Only the first policy's
 * challenges are sent (the others see the same world), so a baseline without challenges is
 * measured on exactly the observations the model saw.
 */
export function runSybilSimulation(settings: SybilRunSettings, policies: SybilPolicy[]): SybilRun {
  const world = new SybilWorld(settings);
  const flagged = new Map(policies.map((p) => [p.name, [] as Address[][][]]));
  for (let hour = 0; hour < settings.hours; hour++) {
    const observations = world.observeHour(hour);
    policies.forEach((policy, i) => {
      const { clusters, challenge } = policy.decide(observations);
      flagged.get(policy.name)!.push(clusters);
      if (i === 0) world.queueSimultaneousChallenges(challenge);
    });
  }
  return { world, flagged };
}
