import { describe, expect, it } from 'vitest';
import { simulateCollusion } from './collusion-sim.js';

describe('simulateCollusion', () => {
  const common = {
    providers: 1_500,
    ringShare: 0.04,
    ringSize: 5,
    ringPrice: 0.3,
    clients: 200,
    washTraders: 6,
    providersPerWashTrader: 3,
    jobs: 15_000,
    rounds: 5,
    seed: 5,
  };

  it('finds the colluding rings and the wash traders, and flags no honest participant', () => {
    const result = simulateCollusion({ ...common, keepApart: true });
    expect(result.colluders).toBe(60);
    expect(result.rings.detector.falsePositives).toBe(0);
    // Only colluders that lied left a trace; most of those are found within five rounds.
    expect(result.activeColluders).toBeGreaterThan(10);
    expect(result.rings.detector.recallOfActive).toBeGreaterThanOrEqual(0.6);
    expect(result.washTrading.detector.falsePositives).toBe(0);
    expect(result.washTrading.detector.recall).toBe(1);
    // Spend concentration alone cannot tell a small honest client from a wash trader.
    expect(result.washTrading.baseline.falsePositives).toBeGreaterThan(0);
  });

  it('keeps found rings apart, so they stop holding two runs of one job', () => {
    const apart = simulateCollusion({ ...common, keepApart: true });
    const together = simulateCollusion({ ...common, keepApart: false });
    expect(together.ringJobsAfterDetection).toBeGreaterThan(0);
    expect(apart.ringJobsAfterDetection).toBeLessThan(together.ringJobsAfterDetection / 4);
  });
});
