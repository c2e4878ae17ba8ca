import { describe, expect, it } from 'vitest';
import {
  classicEpsilonFor,
  DEFAULT_ORDERS,
  epsilonFor,
  logAFractional,
  logAInteger,
  logErfc,
  noiseMultiplierFor,
  PrivacyAccountant,
  rdpOfSampledGaussian,
} from './rdp-accountant.js';

/** The TF Privacy MNIST tutorial: 60000 examples, batches of 256, σ = 1.1, 60 epochs, δ = 1e-5. */
const MNIST = { sampleRate: 256 / 60000, noiseMultiplier: 1.1, steps: Math.round((60 * 60000) / 256) };

describe('logErfc', () => {
  it('matches erfc to about 1e-13 relative, across the series / continued-fraction switch', () => {
    // Reference values of erfc (Abramowitz & Stegun; scipy.special.erfc).
    const reference: [number, number][] = [
      [-1, 1.8427007929497148],
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [4, 1.541725790028002e-8],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, erfc] of reference) {
      expect(Math.abs(Math.exp(logErfc(x)) / erfc - 1), `erfc(${x})`).toBeLessThan(1e-12);
    }
    // Far in the tail erfc underflows, its log does not: log erfc(x) ≈ −x² − log(x√π) − 1/(2x²) + 5/(8x⁴).
    expect(logErfc(100)).toBeCloseTo(-1e4 - Math.log(100 * Math.sqrt(Math.PI)) - 0.5e-4 + 6.25e-9, 9);
    expect(logErfc(-40)).toBeCloseTo(Math.log(2), 12);
  });
});

describe('rdpOfSampledGaussian', () => {
  it('is the Gaussian mechanism’s α/(2σ²) per step when every record is sampled (q = 1)', () => {
    const rdp = rdpOfSampledGaussian({ sampleRate: 1, noiseMultiplier: 1.3, steps: 7 });
    DEFAULT_ORDERS.forEach((alpha, i) => {
      expect(rdp[i]).toBeCloseTo(((alpha / (2 * 1.3 * 1.3)) * 7) as number, 10);
    });
  });

  it('sums the binomial expansion for integer orders: α = 2 by hand', () => {
    // A₂ = (1−q)² + 2q(1−q) + q²·e^{1/σ²}, so RDP(2) = log(1 + q²(e^{1/σ²} − 1)).
    const q = 0.02;
    const sigma = 0.9;
    const [rdp] = rdpOfSampledGaussian({ sampleRate: q, noiseMultiplier: sigma, steps: 1 }, [2]);
    expect(rdp).toBeCloseTo(Math.log1p(q * q * Math.expm1(1 / (sigma * sigma))), 14);
  });

  it('computes the fractional series so that it agrees with the integer sum at integer orders', () => {
    for (const [q, sigma] of [
      [0.01, 1.1],
      [0.3, 0.8],
      [0.004, 4],
      [0.5, 2],
    ] as const) {
      for (const alpha of [2, 3, 5, 10, 32]) {
        const integer = logAInteger(q, sigma, alpha);
        expect(
          Math.abs(logAFractional(q, sigma, alpha) / integer - 1),
          `q ${q} σ ${sigma} α ${alpha}`,
        ).toBeLessThan(1e-9);
      }
    }
  });

  it('is continuous and increasing in the order across fractional and integer orders', () => {
    const orders = [1.25, 1.5, 1.75, 1.999999, 2, 2.000001, 2.5, 2.999999, 3, 3.000001, 4.5, 5];
    const rdp = rdpOfSampledGaussian({ sampleRate: 0.05, noiseMultiplier: 1, steps: 1 }, orders);
    for (let i = 1; i < rdp.length; i++) expect(rdp[i]).toBeGreaterThanOrEqual(rdp[i - 1]!);
    expect(Math.abs(rdp[3]! / rdp[4]! - 1)).toBeLessThan(1e-5);
    expect(Math.abs(rdp[5]! / rdp[4]! - 1)).toBeLessThan(1e-5);
    expect(Math.abs(rdp[7]! / rdp[8]! - 1)).toBeLessThan(1e-5);
    expect(Math.abs(rdp[9]! / rdp[8]! - 1)).toBeLessThan(1e-5);
  });

  it('grows with the steps (linearly) and the sample rate, and shrinks as σ grows', () => {
    const base = { sampleRate: 0.01, noiseMultiplier: 1, steps: 100 };
    const rdp = rdpOfSampledGaussian(base);
    const doubleSteps = rdpOfSampledGaussian({ ...base, steps: 200 });
    const moreSampled = rdpOfSampledGaussian({ ...base, sampleRate: 0.02 });
    const moreNoise = rdpOfSampledGaussian({ ...base, noiseMultiplier: 1.5 });
    rdp.forEach((value, i) => {
      expect(value).toBeGreaterThan(0);
      expect(doubleSteps[i]).toBeCloseTo(2 * value, 12);
      expect(moreSampled[i]).toBeGreaterThan(value);
      expect(moreNoise[i]).toBeLessThan(value);
    });
  });

  it('is 0 without sampling or steps and infinite without noise', () => {
    expect(rdpOfSampledGaussian({ sampleRate: 0, noiseMultiplier: 1, steps: 10 }).every((v) => v === 0)).toBe(
      true,
    );
    expect(
      rdpOfSampledGaussian({ sampleRate: 0.1, noiseMultiplier: 1, steps: 0 }).every((v) => v === 0),
    ).toBe(true);
    expect(
      rdpOfSampledGaussian({ sampleRate: 0.1, noiseMultiplier: 0, steps: 1 }).every((v) => v === Infinity),
    ).toBe(true);
    expect(() => rdpOfSampledGaussian({ sampleRate: 1.5, noiseMultiplier: 1, steps: 1 })).toThrow(RangeError);
    expect(() => rdpOfSampledGaussian({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1.5 })).toThrow(
      RangeError,
    );
    expect(() => rdpOfSampledGaussian({ sampleRate: 0.1, noiseMultiplier: 1, steps: 1 }, [1])).toThrow(
      RangeError,
    );
  });
});

describe('epsilonFor', () => {
  it('reproduces TF Privacy’s MNIST tutorial (q = 256/60000, σ = 1.1, 60 epochs, δ = 1e-5)', () => {
    const rdp = rdpOfSampledGaussian(MNIST);
    // TF Privacy's tutorial reports ε = 3.01 (order 9) with the classic conversion ε = rdp − log δ/(α−1):
    // the same RDP curve must give the same figure.
    const classic = classicEpsilonFor(rdp, 1e-5);
    expect(classic.epsilon).toBeGreaterThan(2.99);
    expect(classic.epsilon).toBeLessThan(3.03);
    // The improved conversion subtracts (log α)/(α−1) − log((α−1)/α) ≈ 0.43 at orders 8–9, so the same
    // curve gives about 2.6 (measured 2.597 at order 8).
    const improved = epsilonFor(rdp, 1e-5);
    expect(improved.epsilon).toBeGreaterThan(2.5);
    expect(improved.epsilon).toBeLessThan(2.7);
    expect(improved.order).toBeGreaterThanOrEqual(7);
    expect(improved.order).toBeLessThanOrEqual(10);
  });

  it('takes the best order, is 0 for no RDP and infinite for infinite RDP', () => {
    expect(
      epsilonFor(
        DEFAULT_ORDERS.map(() => 0),
        1e-5,
      ).epsilon,
    ).toBe(0);
    expect(
      epsilonFor(
        DEFAULT_ORDERS.map(() => Infinity),
        1e-5,
      ).epsilon,
    ).toBe(Infinity);
    const orders = [2, 32];
    // At order 2: 0.1 + log(1e5)/1 − log 2 + log(1/2) ≈ 10.2; at 32: 5 + (log 1e5 − log 32)/31 + log(31/32).
    const { epsilon, order } = epsilonFor([0.1, 5], 1e-5, orders);
    expect(order).toBe(32);
    expect(epsilon).toBeCloseTo(5 + (Math.log(1e5) - Math.log(32)) / 31 + Math.log(31 / 32), 12);
    expect(() => epsilonFor([1], 1e-5, orders)).toThrow(RangeError);
    expect(() => epsilonFor([1, 1], 0, orders)).toThrow(RangeError);
  });
});

describe('noiseMultiplierFor', () => {
  it('inverts epsilonFor: the σ it finds spends just the budget, a hair less σ overspends', () => {
    for (const target of [
      { epsilon: 3, delta: 1e-5, sampleRate: MNIST.sampleRate, steps: MNIST.steps },
      { epsilon: 1, delta: 1e-5, sampleRate: 0.3, steps: 100 },
      { epsilon: 8, delta: 1e-6, sampleRate: 0.01, steps: 1000 },
    ]) {
      const sigma = noiseMultiplierFor(target);
      const epsilonAt = (noiseMultiplier: number) =>
        epsilonFor(rdpOfSampledGaussian({ ...target, noiseMultiplier }), target.delta).epsilon;
      expect(epsilonAt(sigma)).toBeLessThanOrEqual(target.epsilon);
      expect(epsilonAt(sigma)).toBeGreaterThan(target.epsilon * 0.999);
      expect(epsilonAt(sigma * 0.999)).toBeGreaterThan(target.epsilon);
    }
    // MNIST: ε ≈ 2.6 at σ = 1.1, so ε = 3 needs a little less noise.
    const sigma = noiseMultiplierFor({
      epsilon: 3,
      delta: 1e-5,
      sampleRate: MNIST.sampleRate,
      steps: MNIST.steps,
    });
    expect(sigma).toBeGreaterThan(0.9);
    expect(sigma).toBeLessThan(1.1);
  });

  it('needs no noise without sampling or steps and rejects a budget of 0', () => {
    expect(noiseMultiplierFor({ epsilon: 1, delta: 1e-5, sampleRate: 0, steps: 10 })).toBe(0);
    expect(() => noiseMultiplierFor({ epsilon: 0, delta: 1e-5, sampleRate: 0.1, steps: 10 })).toThrow(
      RangeError,
    );
  });
});

describe('PrivacyAccountant', () => {
  const round = { sampleRate: 0.1, noiseMultiplier: 1.2, steps: 1 };

  it('composes steps by adding RDP, whatever their parameters', () => {
    const accountant = new PrivacyAccountant({ delta: 1e-5 });
    expect(accountant.epsilon()).toBe(0);
    accountant.spend(round);
    accountant.spend({ ...round, steps: 9 });
    accountant.spend({ sampleRate: 0.05, noiseMultiplier: 2, steps: 20 });
    const expected = rdpOfSampledGaussian({ ...round, steps: 10 }).map(
      (value, i) => value + rdpOfSampledGaussian({ sampleRate: 0.05, noiseMultiplier: 2, steps: 20 })[i]!,
    );
    accountant.rdp().forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i]!, 12);
    });
    expect(accountant.steps).toBe(30);
    expect(accountant.epsilon()).toBeCloseTo(epsilonFor(expected, 1e-5).epsilon, 12);
  });

  it('answers epsilonAfter without spending, so a run can stop before the round that would overspend', () => {
    const accountant = new PrivacyAccountant({ delta: 1e-5 });
    accountant.spend({ ...round, steps: 5 });
    const before = accountant.toJSON();
    const after = accountant.epsilonAfter(round);
    expect(after).toBeGreaterThan(accountant.epsilon());
    expect(accountant.toJSON()).toEqual(before);
    expect(accountant.spend(round)).toBeCloseTo(after, 12);

    const budget = 2;
    const run = new PrivacyAccountant({ delta: 1e-5 });
    let rounds = 0;
    while (run.epsilonAfter(round) <= budget) {
      run.spend(round);
      rounds++;
    }
    expect(rounds).toBeGreaterThan(0);
    expect(run.epsilon()).toBeLessThanOrEqual(budget);
    expect(run.epsilonAfter(round)).toBeGreaterThan(budget);
  });

  it('survives a JSON round trip, infinite RDP included, and rejects what is not its JSON', () => {
    const accountant = new PrivacyAccountant({ delta: 1e-6, orders: [1.5, 2, 8, 64] });
    accountant.spend({ ...round, steps: 40 });
    const restored = PrivacyAccountant.fromJSON(JSON.parse(JSON.stringify(accountant)));
    expect(restored.orders).toEqual([1.5, 2, 8, 64]);
    expect(restored.delta).toBe(1e-6);
    expect(restored.steps).toBe(40);
    expect(restored.rdp()).toEqual(accountant.rdp());
    expect(restored.epsilon()).toBe(accountant.epsilon());
    expect(restored.epsilonAfter(round)).toBe(accountant.epsilonAfter(round));

    const spent = new PrivacyAccountant({ delta: 1e-5 });
    spent.spend({ ...round, noiseMultiplier: 0 });
    const text = JSON.stringify(spent);
    expect(PrivacyAccountant.fromJSON(text).epsilon()).toBe(Infinity);

    expect(() => PrivacyAccountant.fromJSON({ kind: 'other' })).toThrow(TypeError);
    expect(() => PrivacyAccountant.fromJSON({ ...accountant.toJSON(), rdp: [1] })).toThrow(TypeError);
    expect(() => PrivacyAccountant.fromJSON({ ...accountant.toJSON(), rdp: [-1, 0, 0, 0] })).toThrow(
      TypeError,
    );
    expect(() => PrivacyAccountant.fromJSON({ ...accountant.toJSON(), delta: 2 })).toThrow(RangeError);
  });
});
