import { describe, expect, it } from 'vitest';
import type { PlacementOutcome } from './api.js';
import { Scheduler } from './scheduler.js';
import { testJob, testProfile } from './testing.js';

const NOW = 1_000_000;

function placedOn(outcome: PlacementOutcome): string {
  if (!outcome.placed) throw new Error(`unmatched: ${JSON.stringify(outcome.reasons)}`);
  return outcome.provider;
}

function withProviders(
  policy: 'random' | 'cheapest' | 'learned',
  ...profiles: ReturnType<typeof testProfile>[]
) {
  const scheduler = new Scheduler({ policy, random: () => 0.5 });
  for (const profile of profiles) scheduler.upsertProvider(profile, NOW);
  return scheduler;
}

describe('Scheduler, cheapest first', () => {
  it('picks the cheapest provider that fits, price ties going to the least loaded', () => {
    const dear = testProfile({ prices: { cpuSecond: 20, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 } });
    const cheapA = testProfile({ prices: { cpuSecond: 5, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 } });
    const cheapB = testProfile({ prices: { cpuSecond: 5, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 } });
    const scheduler = withProviders('cheapest', dear, cheapA, cheapB);
    const first = placedOn(scheduler.place(testJob(), NOW));
    const second = placedOn(scheduler.place(testJob(), NOW));
    expect([first, second].sort()).toEqual([cheapA.address, cheapB.address].sort());
  });

  it('counts memory and GPUs, not only cores, and frees them when jobs end', () => {
    const small = testProfile({
      cpuCores: 8,
      memoryMb: 1024,
      gpuCount: 1,
      gpuModel: 'rtx 4090',
      vramMb: 24_000,
    });
    const scheduler = withProviders('cheapest', small);
    const big = testJob({ memoryMb: 1024 });
    placedOn(scheduler.place(big, NOW));
    const unmatched = scheduler.place(testJob({ memoryMb: 1 }), NOW);
    expect(unmatched).toEqual({ placed: false, reasons: { busy: 1 }, providers: 1 });
    scheduler.release(big.id);
    scheduler.release(big.id);
    const gpuJob = testJob({ gpu: 'any', memoryMb: 0 });
    placedOn(scheduler.place(gpuJob, NOW));
    expect(scheduler.place(testJob({ gpu: 'any', memoryMb: 0 }), NOW).placed).toBe(false);
    expect(scheduler.place(testJob({ memoryMb: 0 }), NOW).placed).toBe(true);
    scheduler.recordCompletion(gpuJob.id, 3);
    expect(scheduler.reservationCount).toBe(1);
  });

  it('explains an unmatched job with how many providers each constraint excluded', () => {
    const scheduler = withProviders(
      'cheapest',
      testProfile({ region: 'us' }),
      testProfile({ region: 'us' }),
      testProfile({ cpuCores: 1 }),
      testProfile(),
      testProfile(),
    );
    const addresses = scheduler.providers().map((p) => p.address);
    scheduler.setOffline(addresses[3]!, NOW, false);
    const outcome = scheduler.place(testJob({ region: 'eu', cpuCores: 2 }), NOW, new Set([addresses[4]!]));
    expect(outcome).toEqual({
      placed: false,
      reasons: { region: 2, cores: 1, offline: 1, excluded: 1 },
      providers: 5,
    });
  });

  it('hands back the jobs of a provider that went offline, and no longer places there', () => {
    const only = testProfile();
    const scheduler = withProviders('cheapest', only);
    const job = testJob();
    placedOn(scheduler.place(job, NOW));
    expect(scheduler.setOffline(only.address, NOW, true)).toEqual([job.id]);
    expect(scheduler.place(testJob(), NOW)).toMatchObject({ placed: false, reasons: { offline: 1 } });
    scheduler.setOnline(only.address, NOW);
    expect(scheduler.place(testJob(), NOW).placed).toBe(true);
  });

  it('gives a suspended provider no work until its suspension ends', () => {
    const cheat = testProfile({ prices: { cpuSecond: 1, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 } });
    const scheduler = withProviders('cheapest', cheat);
    scheduler.suspend(cheat.address, NOW + 60_000);
    expect(scheduler.place(testJob(), NOW)).toMatchObject({ placed: false, reasons: { suspended: 1 } });
    expect(scheduler.isOnline(cheat.address)).toBe(true);
    expect(scheduler.place(testJob(), NOW + 60_001).placed).toBe(true);
  });
});

describe('Scheduler, learned', () => {
  it('prefers a fast, reliable provider over a slightly cheaper flaky or slow one, and explains why', () => {
    const prices = (cpuSecond: number) => ({ cpuSecond, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 });
    const flaky = testProfile({ prices: prices(9), cpuCores: 16 });
    const slow = testProfile({ prices: prices(8), cpuCores: 16 });
    const good = testProfile({ prices: prices(10), cpuCores: 16 });
    const scheduler = new Scheduler({ policy: 'learned', heartbeatMs: 1_000 });
    for (const p of [flaky, slow, good]) scheduler.upsertProvider(p, NOW);
    // History: the flaky provider drops out after a few heartbeats, again and again; the slow
    // one takes four times as long on the same work.
    let now = NOW;
    for (let round = 0; round < 200; round++) {
      for (const p of [flaky, slow, good])
        scheduler.recordTelemetry(p.address, { cpuLoad: 0.2, memoryFree: 0.5, localHour: 12 }, now);
      if (round % 5 === 4) {
        scheduler.setOffline(flaky.address, now, true);
        scheduler.setOnline(flaky.address, now);
      }
      for (const [p, seconds] of [
        [slow, 40],
        [good, 10],
        [flaky, 10],
      ] as const) {
        const job = testJob({ id: `history-${round}-${p.address}` });
        scheduler.reserve(job, p.address);
        scheduler.recordCompletion(job.id, seconds);
      }
      now += 1_000;
    }
    const outcome = scheduler.place(testJob(), now + 60_000);
    if (!outcome.placed) throw new Error('unmatched');
    expect(outcome.provider).toBe(good.address);
    const { chosen, runnersUp } = outcome.decision;
    expect(chosen.expectedRunSeconds).toBeCloseTo(10, 0);
    expect(chosen.score).toBeCloseTo(
      chosen.terms.cost + chosen.terms.time + chosen.terms.risk + chosen.terms.load,
      9,
    );
    const byProvider = Object.fromEntries(runnersUp.map((c) => [c.provider, c]));
    expect(byProvider[flaky.address]!.failureProbability).toBeGreaterThan(chosen.failureProbability);
    expect(byProvider[slow.address]!.expectedRunSeconds).toBeGreaterThan(3 * chosen.expectedRunSeconds);
  });
});

describe('Scheduler, learned, among equals', () => {
  it('spreads work over nearly equal providers instead of piling it on the best', () => {
    const scheduler = new Scheduler({ policy: 'learned' });
    const equals = [testProfile({ cpuCores: 8 }), testProfile({ cpuCores: 8 }), testProfile({ cpuCores: 8 })];
    for (const p of equals) scheduler.upsertProvider(p, NOW);
    // Nearly equal: one ran the job a tenth of a second faster than the others.
    equals.forEach((p, i) => {
      const past = testJob({ id: `past-${i}` });
      scheduler.reserve(past, p.address);
      scheduler.recordCompletion(past.id, i === 0 ? 9.9 : 10);
    });
    for (let i = 0; i < 6; i++) placedOn(scheduler.place(testJob(), NOW));
    expect(equals.map((p) => scheduler.jobsOn(p.address))).toEqual([2, 2, 2]);
  });
});

describe('Scheduler, random', () => {
  it('places on an eligible provider chosen by the random source', () => {
    const profiles = [testProfile({ region: 'us' }), testProfile(), testProfile(), testProfile()];
    const draws = [0, 0.99];
    const scheduler = new Scheduler({ policy: 'random', random: () => draws.shift() ?? 0 });
    for (const p of profiles) scheduler.upsertProvider(p, NOW);
    expect(placedOn(scheduler.place(testJob({ region: 'eu' }), NOW))).toBe(profiles[1]!.address);
    expect(placedOn(scheduler.place(testJob({ region: 'eu' }), NOW))).toBe(profiles[3]!.address);
  });
});
