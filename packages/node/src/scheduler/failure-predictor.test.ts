import { describe, expect, it } from 'vitest';
import { FailurePredictor } from './failure-predictor.js';

describe('FailurePredictor', () => {
  it('learns from heartbeats that loaded machines and machines with a record of drop-outs fail more', () => {
    const predictor = new FailurePredictor({ intervalMs: 1_000 });
    // Deterministic world: a provider under heavy owner load drops out every 20th interval;
    // a quiet one every 1000th.
    let now = 0;
    for (let step = 1; step <= 20_000; step++) {
      now += 1_000;
      for (const [address, cpuLoad, period] of [
        ['busy', 0.95, 20],
        ['quiet', 0.05, 1_000],
      ] as const) {
        predictor.recordTelemetry(address, { cpuLoad, memoryFree: 0.5, localHour: 12 }, now);
        if (step % period === 0) {
          predictor.recordDisconnect(address, now);
          predictor.recordOnline(address, now);
        }
      }
    }
    const busy = predictor.failureProbability('busy', 20);
    const quiet = predictor.failureProbability('quiet', 20);
    expect(busy).toBeGreaterThan(5 * quiet);
    expect(busy).toBeGreaterThan(0.3);
    expect(busy).toBeLessThan(1);
    const why = predictor.explain('busy');
    expect(why.cpuLoad + why.pastDisconnects).toBeGreaterThan(0);
    expect(predictor.stats.failures).toBe(20_000 / 20 + 20_000 / 1_000);
  });

  it('gives a provider it never saw the prior, and probabilities grow with time', () => {
    const predictor = new FailurePredictor({ intervalMs: 5_000 });
    expect(predictor.failureProbability('new', 5)).toBeCloseTo(0.001, 4);
    expect(predictor.failureProbability('new', 600)).toBeGreaterThan(predictor.failureProbability('new', 60));
  });
});
