import { privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { type DeviceFault, fleetReadings, simulatedFleet } from '../simulation/device-fleet.js';
import { FeedScorer, type ReadingToScore, type ScoredReading } from './feed-scorer.js';
import { mainReason, type QualityCheck } from './quality-checks.js';

const FROM = Date.UTC(2026, 5, 1);
const TEN_MINUTES = 600_000;

/** Scores a simulated fleet in ten-minute batches, as the coordinator does, with each reading's truth. */
function scoreFleet(devices: number, hours: number) {
  const fleet = simulatedFleet({ devices, faultShare: 0.25, seed: 3 });
  const scorer = new FeedScorer();
  const results: { scored: ScoredReading; fault: DeviceFault | undefined }[] = [];
  let batch: ReadingToScore[] = [];
  let truth = new Map<string, DeviceFault>();
  const flush = () => {
    for (const scored of scorer.score(batch))
      results.push({ scored, fault: truth.get(`${scored.device}/${scored.seq}`) });
    batch = [];
    truth = new Map();
  };
  let next = FROM + TEN_MINUTES;
  for (const { reading, fault } of fleetReadings(fleet, { from: FROM, hours })) {
    if (reading.t >= next) {
      flush();
      next += TEN_MINUTES;
    }
    batch.push({ ...reading, kind: 'weather-station', receivedAt: reading.t + 1_000 });
    if (fault) truth.set(`${reading.device}/${reading.seq}`, fault);
  }
  flush();
  return { fleet, scorer, results };
}

describe('FeedScorer on a simulated fleet', () => {
  const { fleet, scorer, results } = scoreFleet(200, 30);

  it('pays sound readings over 24 simulated hours at least 99% of the time', () => {
    const sound = results.filter((r) => r.fault === undefined);
    expect(sound.length).toBeGreaterThan(20_000);
    const paid = sound.filter((r) => r.scored.rewardable).length;
    expect(paid / sound.length).toBeGreaterThanOrEqual(0.99);
  });

  it.each<[DeviceFault, QualityCheck[]]>([
    ['fake-location', ['location']],
    ['stuck', ['stuck']],
    ['copier', ['copy']],
    ['spike', ['plausible', 'rate']],
    ['drift', ['drift']],
  ])('catches %s readings, for the right reason, and does not pay them', (fault, reasons) => {
    const spoiled = results.filter((r) => r.fault === fault);
    expect(spoiled.length).toBeGreaterThan(100);
    const paid = spoiled.filter((r) => r.scored.rewardable).length;
    expect(paid / spoiled.length).toBeLessThan(0.1);
    const counts = new Map<string, number>();
    for (const { scored } of spoiled) {
      const reason = mainReason(scored.checks);
      if (!scored.rewardable && reason) counts.set(reason.check, (counts.get(reason.check) ?? 0) + 1);
    }
    const [top] = [...counts].sort((a, b) => b[1] - a[1]);
    expect(reasons).toContain(top![0]);
  });

  it("keeps each device's reputation: sound stations high, faulty ones low", () => {
    const reputation = (fault?: DeviceFault) =>
      fleet.filter((d) => d.fault === fault).map((d) => scorer.history(d.address)!.reputation!);
    expect(Math.min(...reputation(undefined))).toBeGreaterThan(0.9);
    for (const fault of ['fake-location', 'stuck', 'copier', 'drift'] as const)
      expect(Math.max(...reputation(fault))).toBeLessThan(0.5);
  });
});

describe('FeedScorer, reading by reading', () => {
  const station = (n: number) => privateKeyToAddress(`0x${(n + 1).toString(16).padStart(64, '0')}`);
  const at = (minutes: number) => FROM + minutes * 60_000;
  const reading = (
    device: number,
    minutes: number,
    v: Record<string, number>,
    cell = 'u0yjj',
    seq = minutes,
  ) => ({
    device: station(device),
    feed: 'weather',
    t: at(minutes),
    cell,
    v,
    seq,
    kind: 'weather-station',
    receivedAt: at(minutes) + device,
  });
  const byDevice = (scored: ScoredReading[], device: number) =>
    scored.filter((s) => s.device === station(device));
  const reasonOf = (scored: ScoredReading | undefined) => (scored ? mainReason(scored.checks) : undefined);

  it('says why an impossible value or an impossible change is not paid', () => {
    const scorer = new FeedScorer();
    const [hot] = scorer.score([reading(0, 0, { temperature: 75 })]);
    expect(hot!.rewardable).toBe(false);
    expect(reasonOf(hot)).toMatchObject({
      check: 'plausible',
      why: expect.stringContaining('75 °C is outside -60 to 60'),
    });
    scorer.score([reading(1, 0, { temperature: 20 })]);
    const [jump] = scorer.score([reading(1, 10, { temperature: 28 })]);
    expect(reasonOf(jump)).toMatchObject({ check: 'rate', why: expect.stringContaining('48 °C/h') });
    // The next reading is measured from the last sound one, not from the glitch.
    const [back] = scorer.score([reading(1, 20, { temperature: 20.5 })]);
    expect(back!.rewardable).toBe(true);
  });

  it("compares a reading with its neighbours' median, and says so when there are too few", () => {
    const scorer = new FeedScorer();
    const lonely = scorer.score([reading(0, 0, { temperature: 20 })]);
    expect(lonely[0]!.checks.find((c) => c.check === 'neighbours')).toMatchObject({ ok: null });
    const town = [1, 2, 3, 4].map((d) => reading(d, 1, { temperature: 20 + d / 10 }));
    // u0yjm is next to u0yjj: a neighbour cell.
    const scored = scorer.score([...town, reading(5, 2, { temperature: 31 }, 'u0yjm')]);
    const outlier = byDevice(scored, 5)[0];
    expect(outlier!.rewardable).toBe(false);
    expect(reasonOf(outlier)).toMatchObject({
      check: 'neighbours',
      why: expect.stringContaining('temperature 10.8 °C from the median 20.2 °C of 5 neighbours'),
    });
    expect(byDevice(scored, 1)[0]!.rewardable).toBe(true);
  });

  it("keeps a copier's run when a third device's values match the copied ones by chance", () => {
    const scorer = new FeedScorer();
    const copyCheck = (scored: ScoredReading[]) =>
      byDevice(scored, 9)[0]!.checks.find((c) => c.check === 'copy');
    const values = (minutes: number) => ({ temperature: 20 + minutes / 100, humidity: 50 });
    // Device 9 copies device 1; at minute 9, device 2 happens to read the values device 1 reads at 10.
    scorer.score([reading(1, 0, values(0)), reading(9, 5, values(0))]);
    const chance = reading(2, 9, values(10));
    const second = scorer.score([chance, reading(1, 10, values(10)), reading(9, 15, values(10))]);
    expect(copyCheck(second)).toMatchObject({ ok: false, why: expect.stringContaining(station(1)) });
  });

  it('catches a claimed move no station can make', () => {
    const scorer = new FeedScorer();
    scorer.score([reading(0, 0, { temperature: 20 }, 'u0yjj')]);
    const [moved] = scorer.score([reading(0, 10, { temperature: 20.1 }, 'sp3e9')]);
    expect(reasonOf(moved)).toMatchObject({
      check: 'location',
      why: expect.stringMatching(/moved from u0yjj to sp3e9 .* in 10 min/),
    });
  });

  it('checks a kind it has no profile for only by what needs none', () => {
    const scorer = new FeedScorer();
    const odd = (m: number, v: Record<string, number>) => ({ ...reading(0, m, v), kind: 'beehive' });
    expect(scorer.score([odd(0, { weight: 1e9 })])[0]!.rewardable).toBe(true);
    expect(scorer.score([odd(10, { weight: Number.NaN })])[0]!.rewardable).toBe(false);
    let last: ScoredReading | undefined;
    for (let m = 20; m < 20 + 12 * 10; m += 10) [last] = scorer.score([odd(m, { weight: 3 })]);
    expect(reasonOf(last)).toMatchObject({ check: 'stuck', why: 'the same values for 12 readings in a row' });
  });

  it('scores the same after a restart from saved histories', () => {
    const readings: ReadingToScore[] = [];
    for (let m = 0; m < 12 * 60; m += 10)
      for (const d of [0, 1, 2])
        readings.push(reading(d, m + d, { temperature: 20 + Math.sin(m / 100) + d / 10 }));
    const half = readings.length / 2;
    const running = new FeedScorer();
    const whole = [...running.score(readings.slice(0, half)), ...running.score(readings.slice(half))];
    const first = new FeedScorer();
    const before = first.score(readings.slice(0, half));
    const saved = JSON.parse(JSON.stringify([0, 1, 2].map((d) => [station(d), first.history(station(d))])));
    const restarted = new FeedScorer(saved, readings.slice(half - 9, half));
    const after = restarted.score(readings.slice(half));
    expect([...before, ...after].map((s) => [s.score, s.checks])).toEqual(
      whole.map((s) => [s.score, s.checks]),
    );
  });
});
