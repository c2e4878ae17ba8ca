import type { FlSettings } from '@idlegrid/protocol';
import type { PoisonMode } from '../provider/adversary.js';
import type { LocalTrainingOptions } from './local-training/train-locally.js';
import { poisonUpdate } from './poison.js';
import { addGaussianNoise } from './privacy/gaussian-noise.js';
import { distributedNoiseStd, exampleNoiseIsDistributed } from './round-noise.js';
import { clipL2, type Update } from './vector-math.js';

/**
 * How a participant trains and what it sends, the same on a provider and in the simulation:
 * plain SGD as the run says (FedProx's term, DP-SGD at example level), then its delta poisoned
 * (adversaries only), clipped to the run's norm and given its share of distributed DP noise.
 */
export function localTrainingOptions(settings: FlSettings, seed: number): LocalTrainingOptions {
  return {
    epochs: settings.localEpochs,
    ...(settings.localSteps === undefined ? {} : { maxSteps: settings.localSteps }),
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    loss: 'categoricalCrossentropy',
    ...(settings.strategy === 'fedprox' ? { proximalMu: settings.proximalMu } : {}),
    ...(settings.dp?.level === 'example'
      ? {
          dp: {
            l2NormClip: settings.dp.exampleClip,
            // Distributed: the step only clips; the noise share goes on the finished update.
            noiseMultiplier: exampleNoiseIsDistributed(settings) ? 0 : settings.dp.noiseMultiplier,
          },
        }
      : {}),
    seed,
  };
}

export function finishedUpdate(settings: FlSettings, delta: Update, poison?: PoisonMode): Update {
  const poisoned = poisonUpdate(poison, delta);
  const clipped = poisoned.clip ? clipL2(poisoned.update, settings.clipNorm).clipped : poisoned.update;
  const std = distributedNoiseStd(settings);
  return std > 0 ? addGaussianNoise(clipped, std) : clipped;
}
