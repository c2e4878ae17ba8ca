import { describe, expect, it } from 'vitest';
import { JobEventBus } from '../coordinator/job-event-bus.js';
import { ThroughputMeter } from './throughput-meter.js';

describe('ThroughputMeter', () => {
  it('counts accepted jobs per second and averages the rate over ten seconds', () => {
    const meter = new ThroughputMeter(new JobEventBus());
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 5; i++) meter.record(t0 + 100 * i);
    for (let i = 0; i < 3; i++) meter.record(t0 + 2_000 + i);
    // Seconds are whole: the current second is not yet reported.
    expect(meter.series(t0 + 2_500, 4)).toEqual([0, 0, 5, 0]);
    expect(meter.series(t0 + 3_000, 4)).toEqual([0, 5, 0, 3]);
    expect(meter.rate(t0 + 3_000)).toBeCloseTo(0.8);
  });

  it('forgets counts older than its window, even where the ring slot is reused', () => {
    const meter = new ThroughputMeter(new JobEventBus());
    const t0 = 1_700_000_000_000;
    meter.record(t0);
    const later = t0 + 300_000;
    meter.record(later);
    expect(meter.series(later + 1_000).reduce((a, b) => a + b, 0)).toBe(1);
    expect(meter.series(later + 301_000).every((count) => count === 0)).toBe(true);
  });

  it('counts only jobs entering accepted from the event bus', () => {
    const bus = new JobEventBus();
    const meter = new ThroughputMeter(bus);
    const job = (state: string) => ({ id: '0x1', client: '0xc1', state }) as never;
    bus.publish(job('running'));
    bus.publish(job('accepted'));
    bus.publish(job('settled'));
    const now = Date.now() + 1_000;
    expect(meter.series(now, 2).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
