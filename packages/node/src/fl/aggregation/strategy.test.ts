import { describe, expect, it } from 'vitest';
import { l2Norm, subtract } from '../vector-math.js';
import { weightedMean } from './fed-avg.js';
import { coordinateMedian, multiKrum, trimmedMean } from './robust.js';
import { aggregateRound, aggregateSum, type ClientUpdate, type StrategyState } from './strategy.js';

const v = (...values: number[]) => Float32Array.from(values);

/** Honest clients near `center`, with a deterministic spread. */
function honest(count: number, center: readonly number[]): ClientUpdate[] {
  return Array.from({ length: count }, (_, k) => ({
    client: `honest-${k}`,
    update: Float32Array.from(center, (c, i) => c + 0.01 * Math.sin(k * 7 + i * 3)),
    examples: 100 + k,
  }));
}

describe('aggregation rules', () => {
  it('weights FedAvg by example count', () => {
    const mean = weightedMean([
      { update: v(1, 0), examples: 3 },
      { update: v(0, 1), examples: 1 },
    ]);
    expect([...mean]).toEqual([0.75, 0.25]);
  });

  it('takes the coordinate-wise median of odd and even counts', () => {
    expect([...coordinateMedian([v(1, 10), v(3, -10), v(2, 0)])]).toEqual([2, 0]);
    expect([...coordinateMedian([v(1), v(2), v(3), v(100)])]).toEqual([2.5]);
  });

  it('cuts the extremes of each coordinate in the trimmed mean', () => {
    expect([...trimmedMean([v(1), v(2), v(3), v(4), v(1000)], 0.2)]).toEqual([3]);
    expect(() => trimmedMean([v(1)], 0.5)).toThrow(RangeError);
  });

  it('leaves the far-off updates out of multi-Krum', () => {
    const updates = [v(1, 1), v(1.1, 0.9), v(0.9, 1.1), v(1, 1.05), v(50, -50)];
    const krum = multiKrum(updates, 1);
    expect(krum.chosen).not.toContain(4);
    expect(krum.chosen).toHaveLength(4);
    expect(l2Norm(subtract(krum.aggregate, v(1, 1)))).toBeLessThan(0.1);
    expect(() => multiKrum(updates.slice(0, 3), 1)).toThrow(RangeError);
  });
});

describe('a round under 20% sign-flipping attackers', () => {
  const center = [0.5, -0.25, 0.1, 0.3];
  const attackers: ClientUpdate[] = Array.from({ length: 2 }, (_, k) => ({
    client: `attacker-${k}`,
    update: Float32Array.from(center, (c) => -10 * c),
    examples: 100,
  }));
  const updates = [...honest(8, center), ...attackers];
  const global = new Float32Array(center.length);
  const errorOf = (name: 'fedavg' | 'median' | 'krum' | 'trimmed-mean') => {
    const round = aggregateRound({ name }, {}, global, updates);
    return { error: l2Norm(subtract(round.global, Float32Array.from(center))), outliers: round.outliers };
  };

  it('drags FedAvg far off, while median, trimmed mean and Krum stay with the honest clients', () => {
    expect(errorOf('fedavg').error).toBeGreaterThan(0.5);
    for (const name of ['median', 'trimmed-mean', 'krum'] as const)
      expect(errorOf(name).error).toBeLessThan(0.05);
  });

  it('names the attackers as outliers', () => {
    for (const name of ['median', 'trimmed-mean', 'krum'] as const)
      expect(errorOf(name).outliers.sort()).toEqual(['attacker-0', 'attacker-1']);
  });
});

describe('server optimizers and secure-aggregation rounds', () => {
  it('moves the global model by FedAdam steps, keeping its moments as state', () => {
    const state: StrategyState = {};
    const global = v(0, 0);
    const first = aggregateRound(
      { name: 'fedadam', serverLearningRate: 0.1 },
      state,
      global,
      honest(3, [1, -1]),
    );
    // Adam's first step is about the learning rate in the gradient's direction.
    expect(first.global[0]).toBeGreaterThan(0.05);
    expect(first.global[1]).toBeLessThan(-0.05);
    expect(state.adam?.m).toHaveLength(2);
    const second = aggregateRound(
      { name: 'fedadam', serverLearningRate: 0.1 },
      state,
      first.global,
      honest(3, [1, -1]),
    );
    expect(second.global[0]).toBeGreaterThan(first.global[0]!);
  });

  it('averages a secure-aggregation sum unweighted, and refuses robust rules there', () => {
    expect([...aggregateSum({ name: 'fedavg' }, {}, v(1, 1), v(4, -2), 4)]).toEqual([2, 0.5]);
    expect(() => aggregateSum({ name: 'median' }, {}, v(1), v(1), 1)).toThrow(/secure aggregation/);
  });
});
