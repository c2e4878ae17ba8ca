import { type FlSettingsInput, flSettingsSchema } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { finishedUpdate, localTrainingOptions } from './participant-update.js';
import { distributedNoiseStd, exampleNoiseIsDistributed, secAggRange } from './round-noise.js';

const settingsOf = (overrides: Partial<FlSettingsInput>) =>
  flSettingsSchema.parse({
    rounds: 10,
    clientsPerRound: 8,
    minClients: 4,
    localEpochs: 1,
    batchSize: 50,
    learningRate: 2,
    strategy: 'fedavg',
    clipNorm: 5,
    ...overrides,
  });

const exampleDp = {
  level: 'example',
  epsilon: 8,
  delta: 1e-5,
  noiseMultiplier: 1.5,
  exampleClip: 1,
} as const;

function std(values: Float32Array): number {
  let sum = 0;
  let squares = 0;
  for (const value of values) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / values.length;
  return Math.sqrt(squares / values.length - mean * mean);
}

describe('distributed DP noise', () => {
  it('shares example-level noise only under secure aggregation with one local step a round', () => {
    const fedSgd = settingsOf({ dp: exampleDp, secureAggregation: true, localSteps: 1 });
    expect(exampleNoiseIsDistributed(fedSgd)).toBe(true);
    // z · lr · c / B over √minClients: one record moves the sum of updates by lr·c/B.
    expect(distributedNoiseStd(fedSgd)).toBeCloseTo((1.5 * 2 * 1) / 50 / Math.sqrt(4), 12);
    expect(secAggRange(fedSgd)).toBeCloseTo(5 + 6 * distributedNoiseStd(fedSgd), 12);
    // The step itself then only clips: the noise goes on the finished update instead.
    expect(localTrainingOptions(fedSgd, 1)).toMatchObject({ maxSteps: 1, dp: { noiseMultiplier: 0 } });

    for (const local of [
      settingsOf({ dp: exampleDp, secureAggregation: true, localSteps: 2 }),
      settingsOf({ dp: exampleDp, secureAggregation: true }),
      settingsOf({ dp: exampleDp, localSteps: 1 }),
    ]) {
      expect(exampleNoiseIsDistributed(local)).toBe(false);
      expect(distributedNoiseStd(local)).toBe(0);
      expect(localTrainingOptions(local, 1).dp?.noiseMultiplier).toBe(1.5);
    }
  });

  it('shares client-level noise under secure aggregation: z · clip over √minClients', () => {
    const client = settingsOf({ dp: { ...exampleDp, level: 'client' }, secureAggregation: true });
    expect(distributedNoiseStd(client)).toBeCloseTo((1.5 * 5) / 2, 12);
    expect(distributedNoiseStd({ ...client, secureAggregation: false })).toBe(0);
  });

  it('adds up to the whole noise over minClients participants, and not over fewer', () => {
    const fedSgd = settingsOf({ dp: exampleDp, secureAggregation: true, localSteps: 1 });
    const length = 40_000;
    const sumOf = (participants: number) => {
      const sum = new Float32Array(length);
      for (let k = 0; k < participants; k++) {
        const update = finishedUpdate(fedSgd, new Float32Array(length));
        for (let i = 0; i < length; i++) sum[i]! += update[i]!;
      }
      return sum;
    };
    const whole = (1.5 * 2 * 1) / 50;
    expect(std(sumOf(4)) / whole).toBeGreaterThan(0.97);
    expect(std(sumOf(4)) / whole).toBeLessThan(1.03);
    expect(std(sumOf(1)) / whole).toBeLessThan(0.53);
  });
});
