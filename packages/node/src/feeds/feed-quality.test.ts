import { localAccount, signReading } from '@idlegrid/protocol';
import { type CoordinatorClient, pushReadings, registerDevice } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDomain } from '../api/testing.js';
import { type OffChainCoordinator, startOffChainCoordinator } from '../coordinator/testing.js';
import {
  type DeviceFault,
  fleetReadings,
  type SimulatedDevice,
  simulatedFleet,
} from './simulation/device-fleet.js';

let running: OffChainCoordinator;
let client: CoordinatorClient;
let fleet: SimulatedDevice[];
/** The readings each device pushed, and which ones a fault spoiled. */
const spoiled = new Set<string>();
let pushed = 0;
let replay: { code: string | undefined };

interface ListedReading {
  device: string;
  seq: number;
  quality?: { score: number; rewardable: boolean; reason?: string; checks: { check: string; ok: unknown }[] };
}
interface ListedDevice {
  device: string;
  reputation: number;
  scored: number;
  rewardable: number;
}

beforeAll(async () => {
  running = await startOffChainCoordinator('feed-quality', { feedScoring: { intervalMs: 100, settleMs: 0 } });
  client = running.client;
  // Three towns of eight stations; one in four faulty: stuck (twice), spike, drift, fake-location, copier.
  fleet = simulatedFleet({ devices: 24, faultShare: 0.25, seed: 5 });
  const owner = localAccount(generatePrivateKey());
  for (const device of fleet)
    await registerDevice({ coordinator: client, signer: owner, domain: testDomain }, device.key, device.kind);
  const keyOf = new Map(fleet.map((d) => [d.address, d.key]));
  const hours = 12;
  const signed = [];
  for (const { reading, fault } of fleetReadings(fleet, {
    from: Date.now() - (hours + 1) * 3_600_000,
    hours,
  })) {
    signed.push(signReading(reading, keyOf.get(reading.device)!));
    if (fault) spoiled.add(`${reading.device.toLowerCase()}/${reading.seq}`);
  }
  for (let at = 0; at < signed.length; at += 1_000) {
    const result = await pushReadings({ coordinator: client }, 'weather', signed.slice(at, at + 1_000));
    pushed += result.accepted;
  }
  // A replay of a reading already taken is refused at the door, and never scored.
  const again = await pushReadings({ coordinator: client }, 'weather', [signed[0]!]);
  const first = again.results[0]!;
  replay = { code: 'error' in first ? first.error.code : undefined };
}, 120_000);
afterAll(() => running.stop());

async function devices(): Promise<ListedDevice[]> {
  return ((await client.getJson('/v1/feeds/weather/devices')) as { devices: ListedDevice[] }).devices;
}

async function readingsOf(device: string): Promise<ListedReading[]> {
  const listed = (await client.getJson(`/v1/feeds/weather/readings?device=${device}&limit=1000`)) as {
    readings: ListedReading[];
  };
  return listed.readings;
}

describe('readings scored by a running coordinator', () => {
  it('scores every reading taken, and refuses the replay before scoring', async () => {
    expect(replay.code).toBe('READING_REPLAYED');
    expect(pushed).toBe(24 * 72);
    for (let tries = 0; ; tries++) {
      const scored = (await devices()).reduce((sum, d) => sum + d.scored, 0);
      if (scored === pushed) break;
      expect(tries).toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('pays sound stations for at least 99% of their readings', async () => {
    const listed = await devices();
    const sound = fleet.filter((d) => !d.fault).map((d) => listed.find((l) => l.device === d.address)!);
    const scored = sound.reduce((sum, d) => sum + d.scored, 0);
    const rewardable = sound.reduce((sum, d) => sum + d.rewardable, 0);
    expect(rewardable / scored).toBeGreaterThanOrEqual(0.99);
    expect(Math.min(...sound.map((d) => d.reputation))).toBeGreaterThan(0.9);
  });

  it.each<[DeviceFault, string[]]>([
    ['stuck', ['stuck']],
    ['spike', ['plausible', 'rate']],
    ['drift', ['drift', 'neighbours']],
    ['fake-location', ['location', 'neighbours']],
    ['copier', ['copy']],
  ])('does not pay the spoiled readings of a %s device, and says why', async (fault, reasons) => {
    const device = fleet.find((d) => d.fault === fault)!;
    const readings = (await readingsOf(device.address)).filter((r) =>
      spoiled.has(`${r.device.toLowerCase()}/${r.seq}`),
    );
    expect(readings.length).toBeGreaterThanOrEqual(fault === 'spike' ? 2 : 10);
    const paid = readings.filter((r) => r.quality!.rewardable);
    expect(paid.length / readings.length).toBeLessThan(0.15);
    for (const reading of readings.filter((r) => !r.quality!.rewardable)) {
      const failed = reading.quality!.checks.filter((c) => c.ok === false).map((c) => c.check);
      expect(failed.some((check) => reasons.includes(check))).toBe(true);
      expect(reading.quality!.reason).toBeTruthy();
    }
  });
});
