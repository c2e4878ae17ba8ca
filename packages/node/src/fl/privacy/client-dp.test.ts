import { describe, expect, it } from 'vitest';
import { l2Norm } from '../vector-math.js';
import { clientLevelNoiseStd, distributedNoiseStd, privateMean, privatizeClientUpdate } from './client-dp.js';
import { gaussianNoise } from './gaussian-noise.js';

function variance(values: ArrayLike<number>, mean = 0): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - mean) ** 2;
  return sum / values.length;
}

describe('client-level DP noise', () => {
  it('is z·C on the sum, z·C/K on the mean, and z·C/√K per client for distributed DP', () => {
    const parameters = { clip: 2, noiseMultiplier: 1.5, clients: 9 };
    expect(clientLevelNoiseStd({ ...parameters, of: 'sum' })).toBeCloseTo(3, 12);
    expect(clientLevelNoiseStd(parameters)).toBeCloseTo(3 / 9, 12);
    expect(distributedNoiseStd(parameters)).toBeCloseTo(1, 12);
    expect(() => clientLevelNoiseStd({ ...parameters, clip: 0 })).toThrow(RangeError);
    expect(() => distributedNoiseStd({ ...parameters, clients: 0 })).toThrow(RangeError);
    expect(() => distributedNoiseStd({ ...parameters, noiseMultiplier: -1 })).toThrow(RangeError);
  });

  it('gives the sum of K distributed shares the central noise N(0, (zC)²)', () => {
    const parameters = { clip: 1, noiseMultiplier: 2, clients: 16 };
    const length = 50_000;
    const sum = new Float64Array(length);
    for (let client = 0; client < parameters.clients; client++) {
      const share = gaussianNoise(length, distributedNoiseStd(parameters));
      for (let i = 0; i < length; i++) sum[i]! += share[i]!;
    }
    const expected = clientLevelNoiseStd({ ...parameters, of: 'sum' }) ** 2; // 4
    // Standard error of a variance over n draws: σ²·√(2/n) ≈ 0.025; 5 of them.
    expect(Math.abs(variance(sum) / expected - 1)).toBeLessThan(5 * Math.sqrt(2 / length));
  });
});

describe('privateMean (central DP)', () => {
  it('clips each update to C and averages over the fixed denominator, exactly when z = 0', () => {
    const updates = [new Float32Array([3, 4]), new Float32Array([0.3, 0.4]), new Float32Array([-6, 8])];
    const { mean, norms } = privateMean(updates, { clip: 1, noiseMultiplier: 0, clients: 4 });
    expect(norms.map((n) => Math.round(n * 1e6) / 1e6)).toEqual([5, 0.5, 10]);
    // clipped: [0.6, 0.8], [0.3, 0.4], [-0.6, 0.8]; summed [0.3, 2.0]; over K = 4.
    expect(mean[0]).toBeCloseTo(0.075, 6);
    expect(mean[1]).toBeCloseTo(0.5, 6);
    expect(() => privateMean(updates, { clip: 1, noiseMultiplier: 0, clients: 2 })).toThrow(RangeError);
    expect(() => privateMean([], { clip: 1, noiseMultiplier: 0 })).toThrow(RangeError);
  });

  it('adds noise of std z·C/K to the mean', () => {
    const length = 50_000;
    const updates = Array.from({ length: 5 }, () => new Float32Array(length));
    const { mean } = privateMean(updates, { clip: 3, noiseMultiplier: 1, clients: 5 });
    expect(Math.abs(variance(mean) / (3 / 5) ** 2 - 1)).toBeLessThan(5 * Math.sqrt(2 / length));
  });
});

describe('privatizeClientUpdate (distributed DP)', () => {
  it('clips the update, then adds the client’s share of the noise', () => {
    const update = new Float32Array(50_000).fill(0.1); // norm ≈ 22.4
    const exact = privatizeClientUpdate(update, { clip: 2, noiseMultiplier: 0, clients: 4 });
    expect(exact.norm).toBeCloseTo(l2Norm(update), 6);
    expect(l2Norm(exact.update)).toBeCloseTo(2, 4);
    expect(update[0]).toBeCloseTo(0.1, 7); // untouched

    const noised = privatizeClientUpdate(update, { clip: 2, noiseMultiplier: 1, clients: 4 });
    const clippedValue = exact.update[0]!;
    // Share std: z·C/√K = 1.
    expect(Math.abs(variance(noised.update, clippedValue) - 1)).toBeLessThan(5 * Math.sqrt(2 / 50_000));
  });
});
