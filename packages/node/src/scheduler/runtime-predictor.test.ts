import { describe, expect, it } from 'vitest';
import { hardwareClass, RuntimePredictor } from './runtime-predictor.js';
import { testJob, testProfile } from './testing.js';

describe('RuntimePredictor', () => {
  it('starts from a prior, then learns each kind and how much slower a hardware class runs it', () => {
    const predictor = new RuntimePredictor();
    const laptop = testProfile({ cpuCores: 4 });
    const server = testProfile({ cpuCores: 32 });
    const sieve = testJob({ kind: 'sieve' });
    expect(predictor.estimate(sieve, laptop).samples).toBe(0);
    expect(predictor.estimate(sieve, laptop).seconds).toBeCloseTo(10, 9);
    for (let i = 0; i < 300; i++) {
      predictor.observe(sieve, laptop, 30 * (1 + 0.1 * Math.sin(i)));
      predictor.observe(sieve, server, 10 * (1 + 0.1 * Math.cos(i)));
    }
    expect(predictor.estimate(sieve, laptop).seconds).toBeGreaterThan(25);
    expect(predictor.estimate(sieve, laptop).seconds).toBeLessThan(35);
    expect(predictor.estimate(sieve, server).seconds).toBeGreaterThan(8);
    expect(predictor.estimate(sieve, server).seconds).toBeLessThan(12);
    // A new machine of the laptop's class is expected to be slow too.
    const otherLaptop = testProfile({ cpuCores: 2 });
    expect(predictor.estimate(sieve, otherLaptop).seconds).toBeGreaterThan(
      1.5 * predictor.estimate(sieve, server).seconds,
    );
    // A kind never seen starts from what its runtime typically takes.
    const unseen = predictor.estimate(testJob({ kind: 'other' }), server);
    expect(unseen.samples).toBeGreaterThan(0);
  });

  it('separates GPU work from CPU work on the same machine', () => {
    const machine = testProfile({ cpuCores: 8, gpuCount: 1, gpuModel: 'rtx 4090' });
    expect(hardwareClass(testJob({ gpu: 'any' }), machine)).toBe('gpu:rtx 4090');
    expect(hardwareClass(testJob(), machine)).toBe('cpu:medium');
  });

  it('ignores runs without a positive duration', () => {
    const predictor = new RuntimePredictor();
    predictor.observe(testJob(), testProfile(), 0);
    predictor.observe(testJob(), testProfile(), Number.NaN);
    expect(predictor.estimate(testJob(), testProfile()).samples).toBe(0);
  });
});
