import { add, clipL2, type Update } from '../vector-math.js';
import { addGaussianNoise, type UniformSource } from './gaussian-noise.js';

/**
 * Client-level differential privacy for federated averaging (DP-FedAvg, McMahan et al. 2018,
 * "Learning Differentially Private Recurrent Language Models"): every client's update is clipped
 * to L2 norm C, so adding or removing one client changes the SUM of the clipped updates by at
 * most C; Gaussian noise of std z·C on that sum makes each round a Gaussian mechanism of noise
 * multiplier z, and sampling the round's clients from a population of N at rate q = K/N makes it
 * the sampled Gaussian mechanism that `PrivacyAccountant` composes (one step per round).
 *
 * Two places to add the noise:
 * - central DP: the coordinator, which sees the clipped updates, adds N(0, (zC)²) to their sum, or
 *   N(0, (zC/K)²) to their mean over a FIXED denominator K (the expected clients per round, not
 *   the number that happened to answer: dividing by a data-dependent count changes the sensitivity);
 * - distributed DP: each of K clients clips its own update and adds N(0, (zC)²/K) before secure
 *   aggregation, so that the sum carries N(0, (zC)²) while no party sees an update with less noise
 *   than its own share. The guarantee holds only for the sum (secure aggregation must hide the
 *   individual shares) and only if at least K noised updates are summed: with K' < K survivors the
 *   sum's noise std is zC·√(K'/K). Pass the smallest number of clients the round will accept.
 */

export interface ClientDpParameters {
  /** C: the L2 norm every client update is clipped to (> 0). */
  clip: number;
  /** z: noise std / C on the sum of the clipped updates (≥ 0). */
  noiseMultiplier: number;
  /** K: clients per round (the fixed denominator of the mean; the minimum summed, for distributed DP). */
  clients: number;
}

/**
 * Central DP: the std of the Gaussian noise to add to the aggregate of K clipped updates, z·C/K
 * when the aggregate is their mean (`of: 'mean'`, the default) and z·C when it is their sum.
 */
export function clientLevelNoiseStd({
  clip,
  noiseMultiplier,
  clients,
  of = 'mean',
}: ClientDpParameters & { of?: 'mean' | 'sum' }): number {
  check({ clip, noiseMultiplier, clients });
  const sumStd = noiseMultiplier * clip;
  return of === 'sum' ? sumStd : sumStd / clients;
}

/** Distributed DP: the std of each client's own share of the noise, z·C/√K. */
export function distributedNoiseStd({ clip, noiseMultiplier, clients }: ClientDpParameters): number {
  check({ clip, noiseMultiplier, clients });
  return (noiseMultiplier * clip) / Math.sqrt(clients);
}

/**
 * Central DP, at the coordinator: clips each update to C, averages them over the fixed denominator
 * `clients` (K; by default the number of updates) and adds N(0, (zC/K)²) to every coordinate.
 * Answers the noised mean and the updates' norms before clipping (for choosing C; they are not
 * private).
 */
export function privateMean(
  updates: readonly Update[],
  {
    clip,
    noiseMultiplier,
    clients = updates.length,
    random,
  }: Omit<ClientDpParameters, 'clients'> & { clients?: number; random?: UniformSource },
): { mean: Update; norms: number[] } {
  if (updates.length === 0) throw new RangeError('no updates to average');
  if (updates.length > clients) {
    throw new RangeError(`${updates.length} updates for a round of ${clients} clients: raise clients`);
  }
  const std = clientLevelNoiseStd({ clip, noiseMultiplier, clients, of: 'mean' });
  const norms: number[] = [];
  let sum: Update = new Float32Array(updates[0]!.length);
  for (const update of updates) {
    const { clipped, norm } = clipL2(update, clip);
    norms.push(norm);
    sum = add(sum, clipped);
  }
  for (let i = 0; i < sum.length; i++) sum[i]! /= clients;
  return { mean: addGaussianNoise(sum, std, random), norms };
}

/**
 * Distributed DP, at a client: its update clipped to C plus its share N(0, (zC)²/K) of the noise,
 * ready for secure aggregation. Answers the norm before clipping too (keep it local).
 */
export function privatizeClientUpdate(
  update: Update,
  { clip, noiseMultiplier, clients, random }: ClientDpParameters & { random?: UniformSource },
): { update: Update; norm: number } {
  const std = distributedNoiseStd({ clip, noiseMultiplier, clients });
  const { clipped, norm } = clipL2(update, clip);
  return { update: addGaussianNoise(clipped, std, random), norm };
}

function check({ clip, noiseMultiplier, clients }: ClientDpParameters): void {
  if (!(clip > 0) || !Number.isFinite(clip)) throw new RangeError(`clip ${clip} is not a finite number > 0`);
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw new RangeError(`noise multiplier ${noiseMultiplier} is not a finite number ≥ 0`);
  }
  if (!Number.isInteger(clients) || clients < 1)
    throw new RangeError(`clients ${clients} is not an integer ≥ 1`);
}
