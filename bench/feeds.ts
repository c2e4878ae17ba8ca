import {
  DEVICE_FAULTS,
  type DeviceFault,
  FeedScorer,
  fleetReadings,
  type ReadingToScore,
  simulatedFleet,
} from '@idlegrid/node';
import { localAccount, type Reading, signReading, signReadingBatch } from '@idlegrid/protocol';
import { fundFeed, payFeedRewards, pushReadings, registerDevice } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { startNetwork } from './local-network.js';
import { machineLine, markdownTable } from './report.js';
import { median } from './stats.js';

const DEVICES = 100;
const READINGS_PER_DEVICE = 300;
const BATCH = 1_000;
const SCORER_DEVICES = 10_000;
const SCORER_HOURS = 12;
const FAULTS_AFTER_HOURS = 4;

interface ListedDevice {
  scored: number;
}

/** Where the coordinator scores: on a worker thread (its default), or on its own thread (the baseline). */
type ScoringThread = 'worker' | 'here';
const THREAD_NAMES: Record<ScoringThread, string> = {
  worker: 'a worker thread',
  here: "the coordinator's thread",
};

/** Readings taken, and taken and scored, a second by one coordinator (its own process). */
async function ingestAndScore(thread: ScoringThread) {
  // Scored as soon as they are in (no settle), every 200 ms: the coordinator's own pace.
  const net = await startNetwork(0, { feedScoring: { settleMs: 0, intervalMs: 200, thread } });
  try {
    const owner = localAccount(generatePrivateKey());
    const keys = Array.from({ length: DEVICES }, () => generatePrivateKey());
    for (const key of keys)
      await registerDevice(
        { coordinator: net.ctx.coordinator, signer: owner, domain: net.ctx.domain },
        key,
        'weather-station',
      );
    const rows: string[][] = [];
    let seq = 0;
    let scoredBefore = 0;
    // Four rounds of 300 readings a device stay within a device's allowance (1,500 at once).
    for (const { batched, senders } of [
      { batched: false, senders: 1 },
      { batched: false, senders: 4 },
      { batched: true, senders: 1 },
      { batched: true, senders: 2 },
    ]) {
      // Fresh readings each round: sequence numbers must grow.
      const base = ++seq * 1_000_000;
      const byDevice = keys.map((key, k) =>
        Array.from(
          { length: READINGS_PER_DEVICE },
          (_, i): Reading => ({
            device: localAccount(key).address,
            feed: 'weather',
            // A station's pace (every 10 minutes), ten stations to a cell.
            t: Date.now() - (READINGS_PER_DEVICE - i) * 600_000,
            cell: `u4pr${'bcdefghjkm'[Math.floor(k / 10)]}`,
            v: { temperature: 15 + Math.random() * 2, humidity: 60 + Math.random() * 5 },
            seq: base + i,
          }),
        ),
      );
      // An item is one signed reading, or one device's signed batch of all its readings.
      const items = batched
        ? byDevice.map((readings, k) => ({ k, item: signReadingBatch(readings, keys[k]!) }))
        : byDevice.flatMap((readings, k) => readings.map((r) => ({ k, item: signReading(r, keys[k]!) })));
      const total = DEVICES * READINGS_PER_DEVICE;
      // Each sender pushes its own devices' readings, in order: a device's sequence only grows.
      const lanes = Array.from({ length: senders }, (_, lane) =>
        items.filter(({ k }) => k % senders === lane).map(({ item }) => item),
      );
      const perRequest = batched ? 50 : BATCH;
      let accepted = 0;
      let firstRefusal: unknown;
      const t0 = performance.now();
      await Promise.all(
        lanes.map(async (lane) => {
          for (let at = 0; at < lane.length; at += perRequest) {
            const answer = await pushReadings(net.ctx, 'weather', lane.slice(at, at + perRequest));
            accepted += answer.accepted;
            firstRefusal ??= answer.results.find((result) => 'error' in result);
          }
        }),
      );
      const taken = (performance.now() - t0) / 1000;
      if (accepted !== total)
        throw new Error(`${total - accepted} readings refused, the first: ${JSON.stringify(firstRefusal)}`);
      let scored = 0;
      while (scored < scoredBefore + total) {
        const { devices } = (await net.ctx.coordinator.getJson('/v1/feeds/weather/devices')) as {
          devices: ListedDevice[];
        };
        scored = devices.reduce((sum, d) => sum + d.scored, 0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      scoredBefore = scored;
      const done = (performance.now() - t0) / 1000;
      const how = batched
        ? `signed batches (one a device, ${READINGS_PER_DEVICE} readings)`
        : 'signed one by one';
      rows.push([
        how,
        THREAD_NAMES[thread],
        String(senders),
        String(total),
        (total / taken).toFixed(0),
        (total / done).toFixed(0),
      ]);
      console.log(
        `feeds: ${how}, scored on ${THREAD_NAMES[thread]}, ${senders} sender(s): ${(total / taken).toFixed(0)} taken/s, ${(total / done).toFixed(0)} scored/s`,
      );
    }
    return rows;
  } finally {
    await net.stop();
  }
}

/** The scorer alone on a simulated fleet: its pace, and its precision and recall against the faults' truth. */
function scorerQuality() {
  const fleet = simulatedFleet({ devices: SCORER_DEVICES, faultShare: 0.1, seed: 21 });
  const from = Date.UTC(2026, 5, 1);
  const scorer = new FeedScorer();
  const kindOf = new Map(fleet.map((d) => [d.address.toLowerCase(), d.fault]));
  const faultStart = (fault: DeviceFault) =>
    fault === 'fake-location' ? from : from + FAULTS_AFTER_HOURS * 3_600_000;
  const caught = new Map<string, number>();
  const perFault = new Map<DeviceFault | 'sound', { readings: number; unpaid: number }>();
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let readings = 0;
  let scoringMs = 0;
  let batch: ReadingToScore[] = [];
  let truth = new Set<string>();
  const flush = () => {
    const t0 = performance.now();
    const scored = scorer.score(batch);
    scoringMs += performance.now() - t0;
    for (const s of scored) {
      readings++;
      const spoiled = truth.has(`${s.device}/${s.seq}`);
      const fault = kindOf.get(s.device.toLowerCase());
      const key = spoiled ? fault! : 'sound';
      const entry = perFault.get(key) ?? { readings: 0, unpaid: 0 };
      entry.readings++;
      if (!s.rewardable) entry.unpaid++;
      perFault.set(key, entry);
      if (!s.rewardable && spoiled) truePositives++;
      if (!s.rewardable && !spoiled) falsePositives++;
      if (s.rewardable && spoiled) falseNegatives++;
      if (!s.rewardable && fault && s.t >= faultStart(fault) && !caught.has(s.device))
        caught.set(s.device, s.t);
    }
    batch = [];
    truth = new Set();
  };
  let next = from + 600_000;
  for (const { reading, fault } of fleetReadings(fleet, {
    from,
    hours: SCORER_HOURS,
    faultsAfterHours: FAULTS_AFTER_HOURS,
  })) {
    if (reading.t >= next) {
      flush();
      next += 600_000;
    }
    batch.push({ ...reading, kind: 'weather-station', receivedAt: reading.t + 1_000 });
    if (fault) truth.add(`${reading.device}/${reading.seq}`);
  }
  flush();
  const detection = (fault: DeviceFault) => {
    const minutes = fleet
      .filter((d) => d.fault === fault)
      .map((d) => caught.get(d.address))
      .filter((t): t is number => t !== undefined)
      .map((t) => (t - faultStart(fault)) / 60_000);
    return minutes.length ? `${median(minutes).toFixed(0)} min` : '-';
  };
  const faultRows = DEVICE_FAULTS.map((fault) => {
    const entry = perFault.get(fault) ?? { readings: 0, unpaid: 0 };
    const devices = fleet.filter((d) => d.fault === fault);
    return [
      fault,
      String(devices.length),
      String(entry.readings),
      `${((100 * entry.unpaid) / Math.max(1, entry.readings)).toFixed(1)}%`,
      `${devices.filter((d) => caught.has(d.address)).length} of ${devices.length}`,
      detection(fault),
    ];
  });
  const sound = perFault.get('sound')!;
  return {
    readings,
    perSecond: readings / (scoringMs / 1000),
    precision: truePositives / (truePositives + falsePositives),
    recall: truePositives / (truePositives + falseNegatives),
    soundPaid: 1 - sound.unpaid / sound.readings,
    faultRows,
  };
}

/** From a reading's arrival to the buyer's voucher for it, with the coordinator's default pace and a buyer paying every second. */
async function timeToVoucher() {
  const net = await startNetwork(0);
  try {
    const deviceKey = generatePrivateKey();
    const owner = localAccount(generatePrivateKey());
    await registerDevice({ ...net.ctx, signer: owner }, deviceKey, 'weather-station');
    const price = 10n ** 12n;
    // The readings are measured in the last half hour: the funding pays from an hour ago.
    const funding = await fundFeed(net.ctx, {
      feed: 'live',
      pricePerReading: price,
      budget: price * 1_000n,
      from: BigInt(Math.floor(Date.now() / 1_000) - 3_600),
    });
    const device = localAccount(deviceKey).address;
    const pushedAt: number[] = [];
    const paidAt: number[] = [];
    let paying = true;
    const payer = (async () => {
      while (paying) {
        const { funding: status } = await payFeedRewards(net.ctx, funding.id);
        const paid = status.owners[0]?.paid ?? 0n;
        while (paidAt.length < Number(paid / price)) paidAt.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    for (let i = 0; i < 20; i++) {
      const reading: Reading = {
        device,
        feed: 'live',
        // Measured a minute apart (a station's pace), sent a second apart: the wait is counted from arrival.
        t: Date.now() - (20 - i) * 60_000,
        cell: 'u4pru',
        v: { temperature: 15 + i / 10 },
        seq: i,
      };
      pushedAt.push(performance.now());
      await pushReadings(net.ctx, 'live', [reading], deviceKey);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const deadline = performance.now() + 120_000;
    while (paidAt.length < pushedAt.length) {
      if (performance.now() > deadline)
        throw new Error(`only ${paidAt.length} of ${pushedAt.length} readings paid in 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    paying = false;
    await payer;
    const seconds = pushedAt.map((t, i) => (paidAt[i]! - t) / 1000);
    return { p50: median(seconds), max: Math.max(...seconds), readings: seconds.length };
  } finally {
    await net.stop();
  }
}

/**
 * `npm run bench:feeds`: signed readings taken and scored a second by one coordinator; the
 * scorer's precision and recall on a simulated fleet of 10,000 stations; the time from a
 * reading to its voucher.
 */
export async function runFeedsBenchmark(): Promise<string> {
  // The baseline first, each on a fresh coordinator: scored on the coordinator's thread, then on a worker.
  const ingest = [...(await ingestAndScore('here')), ...(await ingestAndScore('worker'))];
  const quality = scorerQuality();
  console.log(
    `scorer: ${quality.perSecond.toFixed(0)}/s, precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}`,
  );
  const voucher = await timeToVoucher();
  return [
    '## Device feeds: readings taken, scored and paid',
    '',
    machineLine(),
    '',
    `One coordinator (its own process, SQLite), ${DEVICES} registered devices, ${READINGS_PER_DEVICE * DEVICES} readings signed beforehand, pushed over HTTP on 127.0.0.1, either signed one by one (${BATCH} a request) or in signed batches, one a device (50 devices' batches a request). Each signature is recovered (native libsecp256k1), each reading parsed, its device, feed, date, consent, rate and sequence checked, and stored; a request's good readings share one commit. Here the coordinator scores what came in every 200 ms, with no settling delay; "scored" counts until the last reading's score is committed (the client asks the devices' page every 50 ms). The scorers run on a worker thread, the coordinator's default, or on the coordinator's own thread (\`feedScoring.thread: 'here'\`, the baseline), each on a fresh coordinator.`,
    '',
    markdownTable(
      ['readings', 'scored on', 'concurrent senders', 'readings', 'taken/s', 'taken and scored/s'],
      ingest,
    ),
    '',
    `The scorer alone, in one process, on a simulated fleet of ${SCORER_DEVICES.toLocaleString('en')} weather stations in towns of 8 (a physical model of daily temperature and humidity, each station with its microclimate and sensor noise), ${SCORER_HOURS} hours of readings every 10 minutes (${quality.readings.toLocaleString('en')} readings) scored in 10-minute batches: ${quality.perSecond.toFixed(0)} readings/s. One station in ten is faulty, the faults spread evenly; a spoofer is elsewhere from the start, the others fail after ${FAULTS_AFTER_HOURS} hours. A reading counts as spoiled when its fault changed it (a drift from 1 °C on); "caught" is a reading not paid.`,
    '',
    `- precision (readings not paid that were spoiled): ${(100 * quality.precision).toFixed(2)}%`,
    `- recall (spoiled readings not paid): ${(100 * quality.recall).toFixed(2)}%`,
    `- sound readings paid: ${(100 * quality.soundPaid).toFixed(3)}%`,
    '',
    markdownTable(
      ['fault', 'devices', 'spoiled readings', 'not paid', 'devices caught', 'time to detection (median)'],
      quality.faultRows,
    ),
    '',
    `Time from a reading's arrival to the buyer's voucher for it, at the coordinator's defaults (scored 10 s after arrival, passes every 5 s) and a buyer paying every second, over ${voucher.readings} live readings: median ${voucher.p50.toFixed(1)} s, at most ${voucher.max.toFixed(1)} s.`,
  ].join('\n');
}
