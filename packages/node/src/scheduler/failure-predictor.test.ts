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

  it("says when a provider's risk rises above its usual level, and why; and when it settles", () => {
    const predictor = new FailurePredictor({ intervalMs: 5_000 });
    // The network learns that loaded machines drop out: every 20th interval under load, every
    // 1000th otherwise. Each comes back as a new identity, so that only the load tells them apart.
    let now = 0;
    const beat = (address: string, cpuLoad: number) =>
      predictor.recordTelemetry(address, { cpuLoad, memoryFree: 0.5, localHour: 12 }, now);
    const names = { busy: 0, quiet: 0 };
    for (let step = 1; step <= 40_000; step++) {
      now += 5_000;
      for (const [kind, cpuLoad, period] of [
        ['busy', 0.95, 20],
        ['quiet', 0.05, 1_000],
      ] as const) {
        const address = `${kind}-${names[kind]}`;
        beat(address, cpuLoad);
        if (step % period === 0) {
          predictor.recordDisconnect(address, now);
          names[kind]++;
          predictor.recordOnline(`${kind}-${names[kind]}`, now);
        }
      }
    }
    // A provider quiet for a day: its risk is its usual one.
    predictor.recordOnline('watched', now);
    for (let i = 0; i < (24 * 3_600) / 5; i++) {
      now += 5_000;
      beat('watched', 0.05);
    }
    const calm = predictor.riskOf('watched');
    expect(calm.rising).toBe(false);
    expect(Math.abs(calm.perHour - calm.usualPerHour)).toBeLessThan(0.1 * calm.usualPerHour);
    // Its owner starts using it hard: the risk rises, and the reason is the CPU load.
    const loadedAt = now + 5_000;
    for (let i = 0; i < 12; i++) {
      now += 5_000;
      beat('watched', 0.98);
    }
    const loaded = predictor.riskOf('watched');
    expect(loaded.rising).toBe(true);
    expect(loaded.risingSince).toBe(loadedAt);
    expect(loaded.perHour).toBeGreaterThan(loaded.usualPerHour);
    expect(loaded.reasons[0]).toMatchObject({ feature: 'cpuLoad', value: 0.98 });
    // The load goes: the risk settles back, and nothing is said.
    for (let i = 0; i < 12; i++) {
      now += 5_000;
      beat('watched', 0.05);
    }
    expect(predictor.riskOf('watched')).toMatchObject({ rising: false, risingSince: null });
  });
});
