import type { FlSettings } from '@idlegrid/protocol';
import { addGaussianNoise } from './privacy/gaussian-noise.js';
import type { Update } from './vector-math.js';

/**
 * Client-level DP under secure aggregation is distributed: each participant adds its share of the
 * Gaussian noise, so that the sum of at least `minClients` of them carries N(0, (z·C)²), and the
 * coordinator, which sees only the sum, never sees an update without its noise.
 */
export function distributedNoiseStd(settings: FlSettings): number {
  if (settings.dp?.level !== 'client' || !settings.secureAggregation) return 0;
  return (settings.dp.noiseMultiplier * settings.clipNorm) / Math.sqrt(settings.minClients);
}

/**
 * The fixed-point range of a secure round: a clipped update's values are within ±clip, and six
 * standard deviations of its noise share on top keep the noise from being cut (a cut would bias
 * the sum). The provider checks that the coordinator asked for exactly this.
 */
export function secAggRange(settings: FlSettings): number {
  return settings.clipNorm + 6 * distributedNoiseStd(settings);
}

/**
 * Client-level DP without secure aggregation (central DP, trusting the coordinator): the sum of
 * the clipped updates plus N(0, (z·C)²), one whole participant's sensitivity.
 */
export function centrallyNoisedSum(updates: readonly { update: Update }[], settings: FlSettings): Update {
  const sum = new Float32Array(updates[0]?.update.length ?? 0);
  for (const { update } of updates) for (let i = 0; i < sum.length; i++) sum[i]! += update[i]!;
  return addGaussianNoise(sum, (settings.dp?.noiseMultiplier ?? 0) * settings.clipNorm);
}
