import type { PoisonMode } from '../provider/adversary.js';
import type { Update } from './vector-math.js';

/**
 * What a poisoning provider does to its round (test and benchmark adversaries, never on unless
 * asked): `labelflip` trains on labels mirrored (label k as classes − 1 − k); `signflip` sends
 * its update negated and magnified five times, then clipped like an honest one, so that only
 * robust aggregation stops it; `scale` sends it magnified a hundred times and unclipped, which
 * the run's clip convicts.
 */
export function poisonLabels(mode: PoisonMode | undefined, labels: Int32Array, classes: number): Int32Array {
  if (mode !== 'labelflip') return labels;
  return labels.map((label) => classes - 1 - label);
}

export function poisonUpdate(
  mode: PoisonMode | undefined,
  update: Update,
): { update: Update; clip: boolean } {
  if (mode === 'signflip') return { update: update.map((value) => -5 * value), clip: true };
  if (mode === 'scale') return { update: update.map((value) => 100 * value), clip: false };
  return { update, clip: true };
}
