import type { FlSettings } from '@idlegrid/protocol';
import { addGaussianNoise } from './privacy/gaussian-noise.js';
import type { Update } from './vector-math.js';

/**
 * DP noise under secure aggregation is distributed: each participant adds its share of the
 * Gaussian noise, so that the sum of at least `minClients` of them carries the whole of it, and
 * the coordinator, which sees only the sum, never sees an update without its noise.
 * - Client level: N(0, (z·C)²) on the sum of updates clipped to C.
 * - Example level, when each round is ONE local step (DP-FedSGD): the update is
 *   −lr/B · (the batch's per-example gradients clipped to c, summed), so one record moves the sum
 *   by at most lr·c/B, and the shares add up to N(0, (z·lr·c/B)²): one DP-SGD step over the union
 *   of the participants' batches. With more local steps the noise stays local: a provider's later
 *   steps would read weights that no released sum has noised in full.
 */
export function distributedNoiseStd(settings: FlSettings): number {
  const { dp, secureAggregation, minClients } = settings;
  if (!dp || !secureAggregation) return 0;
  if (dp.level === 'client') return (dp.noiseMultiplier * settings.clipNorm) / Math.sqrt(minClients);
  if (!exampleNoiseIsDistributed(settings)) return 0;
  const sensitivity = (settings.learningRate * dp.exampleClip) / settings.batchSize;
  return (dp.noiseMultiplier * sensitivity) / Math.sqrt(minClients);
}

/** Example-level DP whose noise the participants share (see `distributedNoiseStd`). */
export function exampleNoiseIsDistributed(settings: FlSettings): boolean {
  return settings.dp?.level === 'example' && settings.secureAggregation && settings.localSteps === 1;
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
