import { describe, expect, it } from 'vitest';
import { addGaussianNoise, cryptoUniform, gaussianNoise, standardNormal } from './gaussian-noise.js';

const DRAWS = 100_000;

function moments(values: ArrayLike<number>): { mean: number; variance: number; kurtosis: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  const variance = m2 / values.length;
  return { mean, variance, kurtosis: m4 / values.length / (variance * variance) };
}

describe('cryptoUniform', () => {
  it('draws in [0, 1) with mean 1/2 and variance 1/12', () => {
    const uniform = cryptoUniform(1000); // several refills
    const values = Float64Array.from({ length: DRAWS }, uniform);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const { mean, variance } = moments(values);
    // Standard errors: √(1/12/n) ≈ 0.0009 for the mean; the variance's ≈ 0.0002.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });
});

describe('gaussianNoise', () => {
  it('has the mean, variance and kurtosis of N(0, std²) over 100k draws', () => {
    const std = 2.5;
    const noise = gaussianNoise(DRAWS, std);
    const { mean, variance, kurtosis } = moments(noise);
    // Standard errors at n = 1e5: mean σ/√n ≈ 0.008; variance σ²·√(2/n) ≈ 0.028; kurtosis √(24/n) ≈ 0.015.
    // The bounds are 5 standard errors: a false alarm is a 1-in-a-million event.
    expect(Math.abs(mean)).toBeLessThan(5 * (std / Math.sqrt(DRAWS)));
    expect(Math.abs(variance / (std * std) - 1)).toBeLessThan(5 * Math.sqrt(2 / DRAWS));
    expect(Math.abs(kurtosis - 3)).toBeLessThan(5 * Math.sqrt(24 / DRAWS));
    // About 68.27% of the draws within one std (binomial standard error ≈ 0.0015).
    const within = noise.filter((v) => Math.abs(v) < std).length / DRAWS;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.0075);
  });

  it('is reproducible with an injected uniform source and zero with std 0', () => {
    const a = gaussianNoise(10, 1, seededUniformUnit(7));
    const b = gaussianNoise(10, 1, seededUniformUnit(7));
    expect([...a]).toEqual([...b]);
    expect(new Set(a).size).toBe(10);
    expect([...gaussianNoise(5, 0)]).toEqual([0, 0, 0, 0, 0]);
    expect(() => gaussianNoise(5, -1)).toThrow(RangeError);
    expect(() => gaussianNoise(5, Number.NaN)).toThrow(RangeError);
  });

  it('survives a uniform source that returns 0 (Box–Muller takes log(1 − u))', () => {
    const normal = standardNormal(() => 0);
    expect(Number.isFinite(normal())).toBe(true);
  });
});

describe('addGaussianNoise', () => {
  it('adds noise to a copy, leaving the input alone', () => {
    const vector = new Float32Array(DRAWS).fill(3);
    const noised = addGaussianNoise(vector, 0.5);
    expect(vector.every((v) => v === 3)).toBe(true);
    const { mean, variance } = moments(noised);
    expect(Math.abs(mean - 3)).toBeLessThan(5 * (0.5 / Math.sqrt(DRAWS)));
    expect(Math.abs(variance / 0.25 - 1)).toBeLessThan(5 * Math.sqrt(2 / DRAWS));
    expect([...addGaussianNoise(new Float32Array([1, 2]), 0)]).toEqual([1, 2]);
  });
});

/** A deterministic uniform stream in [0, 1) (a linear congruential generator). */
function seededUniformUnit(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
