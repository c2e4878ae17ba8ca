import { isIdlegridError, localAccount, signMessage, signReading } from '@idlegrid/protocol';
import {
  type CoordinatorClient,
  type FeedFundingStatus,
  feedFunding,
  feedRewards,
  fundFeed,
  payFeedRewards,
  pushReadings,
  registerDevice,
} from '@idlegrid/sdk';
import type { Address } from 'viem';
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
/** Each device's owner (one owner per device, so that rewards can be told apart). */
const ownerOf = new Map<string, Address>();
const buyer = localAccount(generatePrivateKey());
const PRICE = 10n ** 12n;
let funded: FeedFundingStatus;
/** A second funding whose budget pays only 50 readings. */
let small: FeedFundingStatus;

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
  for (const device of fleet) {
    const owner = localAccount(generatePrivateKey());
    ownerOf.set(device.address, owner.address);
    await registerDevice({ coordinator: client, signer: owner, domain: testDomain }, device.key, device.kind);
  }
  const keyOf = new Map(fleet.map((d) => [d.address, d.key]));
  const hours = 12;
  const buying = { coordinator: client, signer: buyer, domain: testDomain };
  const from = BigInt(Math.floor(Date.now() / 1_000)) - BigInt((hours + 1) * 3_600);
  funded = await fundFeed(buying, {
    feed: 'weather',
    pricePerReading: PRICE,
    budget: PRICE * 100_000n,
    from,
  });
  small = await fundFeed(buying, { feed: 'weather', pricePerReading: PRICE, budget: PRICE * 50n + 7n, from });
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

describe('feed rewards', () => {
  const buying = () => ({ coordinator: client, signer: buyer, domain: testDomain });

  it("owes each owner the price of its device's rewardable readings, and pays it by voucher", async () => {
    const { funding, vouchers } = await payFeedRewards(buying(), funded.id);
    const listed = await devices();
    // The spoofer earned nothing at all: it has no entry.
    const earners = listed.filter((d) => d.rewardable > 0);
    expect(earners.length).toBe(23);
    expect(funding.owners).toHaveLength(earners.length);
    for (const device of earners) {
      const owner = funding.owners.find((o) => o.owner === ownerOf.get(device.device))!;
      expect(owner.readings).toBe(device.rewardable);
      expect(owner.owed).toBe(PRICE * BigInt(device.rewardable));
      expect(owner.paid).toBe(owner.owed);
    }
    expect(funding.spent).toBe(funding.owners.reduce((sum, o) => sum + o.owed, 0n));
    expect(vouchers).toHaveLength(earners.length);
    // Nothing more to pay until more readings are scored.
    expect((await payFeedRewards(buying(), funded.id)).vouchers).toHaveLength(0);
    // The owner finds the buyer's voucher to redeem, for what it earned.
    const owner = funding.owners[0]!;
    const [reward] = (await feedRewards({ coordinator: client }, owner.owner as Address)).filter(
      (r) => r.fundingId === funded.id,
    );
    expect(reward).toMatchObject({ buyer: buyer.address, readings: owner.readings, paid: owner.owed });
    expect((reward!.voucher as { message: { cumulativeAmount: string } }).message.cumulativeAmount).toBe(
      `${owner.owed}`,
    );
  });

  it('spends a small budget exactly, and no further', async () => {
    const status = await feedFunding({ coordinator: client }, small.id);
    expect(status.spent).toBe(PRICE * 50n);
    expect(status.owners.reduce((sum, o) => sum + o.readings, 0)).toBe(50);
  });

  it('refuses a voucher that pays more than is owed, or that is not the buyer’s', async () => {
    const status = await feedFunding({ coordinator: client }, small.id);
    const owner = status.owners[0]!;
    const state = (await client.getJson(`/v1/payments/${buyer.address}/${owner.owner}`)) as {
      cumulativeAmount: string;
      nonce: string;
    };
    const voucher = (signer: typeof buyer, extra: bigint) =>
      signMessage(signer, testDomain, 'Voucher', {
        client: buyer.address,
        provider: owner.owner as Address,
        cumulativeAmount: BigInt(state.cumulativeAmount) + owner.owed - owner.paid + extra,
        nonce: BigInt(state.nonce) + 1n,
        expiry: BigInt(Math.floor(Date.now() / 1_000) + 3_600),
      });
    const pay = async (signed: unknown) =>
      client.postJson(`/v1/feed-fundings/${small.id}/payment`, { vouchers: [signed] }).then(
        () => 'paid',
        (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
      );
    expect(await pay(await voucher(buyer, 1n))).toBe('REWARD_OVERPAID');
    expect(await pay(await voucher(localAccount(generatePrivateKey()), 0n))).toMatch(
      /SIGNER_MISMATCH|REWARD_OVERPAID/,
    );
    expect(await pay(await voucher(buyer, 0n))).toBe('paid');
    expect((await feedFunding({ coordinator: client }, small.id)).owners[0]!.paid).toBe(owner.owed);
  });
});
