import {
  isIdlegridError,
  localAccount,
  type Reading,
  signMessage,
  signReading,
  signReadingBatch,
} from '@idlegrid/protocol';
import { type CoordinatorClient, pushReadingBatches, pushReadings, registerDevice } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDomain } from '../api/testing.js';
import { type OffChainCoordinator, startOffChainCoordinator } from '../coordinator/testing.js';

let running: OffChainCoordinator;
let client: CoordinatorClient;

beforeAll(async () => {
  running = await startOffChainCoordinator('feeds');
  client = running.client;
});
afterAll(() => running.stop());

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );

describe('device feeds through a real coordinator', () => {
  it('binds a device to its owner only with both signatures', async () => {
    const owner = localAccount(generatePrivateKey());
    const deviceKey = generatePrivateKey();
    const ctx = { coordinator: client, signer: owner, domain: testDomain };
    expect(await registerDevice(ctx, deviceKey, 'weather-station')).toMatchObject({
      device: localAccount(deviceKey).address,
      owner: owner.address,
      kind: 'weather-station',
    });
    // A binding the claimed device did not countersign (someone else's key did) is refused.
    const other = generatePrivateKey();
    const binding = await signMessage(owner, testDomain, 'DeviceBinding', {
      owner: owner.address,
      device: localAccount(other).address,
      kind: 'gps-tracker',
      nonce: 1n,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
    });
    const forged = await signMessage(
      localAccount(generatePrivateKey()),
      testDomain,
      'DeviceBinding',
      binding.message,
    );
    expect(await codeOf(client.postJson('/v1/devices', { binding, deviceSignature: forged.signature }))).toBe(
      'SIGNER_MISMATCH',
    );
  });

  it('takes signed readings in order, and refuses replays, forgeries, strangers and the far future, each with its code', async () => {
    const owner = localAccount(generatePrivateKey());
    const deviceKey = generatePrivateKey();
    const device = localAccount(deviceKey).address;
    await registerDevice(
      { coordinator: client, signer: owner, domain: testDomain },
      deviceKey,
      'weather-station',
    );
    const now = Date.now();
    const reading = (seq: number, over: Partial<Reading> = {}): Reading => ({
      device,
      feed: 'weather',
      t: now - 1_000 + seq,
      cell: 'u4pru',
      v: { temperature: 20 + seq / 10, humidity: 0.5 },
      seq,
      ...over,
    });
    const good = await pushReadings(
      { coordinator: client },
      'weather',
      [reading(1), reading(2), reading(3)],
      deviceKey,
    );
    expect(good.accepted).toBe(3);
    const stranger = generatePrivateKey();
    const forged = signReading(reading(9), stranger); // names the device, signed by another key
    const mixed = await pushReadings({ coordinator: client }, 'weather', [
      signReading(reading(4), deviceKey),
      signReading(reading(2), deviceKey), // replay
      signReading(reading(4), deviceKey), // replay within the batch
      forged,
      signReading(reading(1, { device: localAccount(stranger).address }), stranger), // no owner
      signReading(reading(5, { t: now + 3_600_000 }), deviceKey), // an hour ahead
      signReading(reading(6, { feed: 'air' }), deviceKey), // another feed
      { payload: 'not json', sig: `0x${'00'.repeat(65)}` },
      signReading(reading(7), deviceKey),
    ]);
    const codes = mixed.results.map((r) => ('error' in r ? r.error.code : 'taken'));
    expect(codes).toEqual([
      'taken',
      'READING_REPLAYED',
      'READING_REPLAYED',
      'READING_INVALID',
      'DEVICE_NOT_REGISTERED',
      'READING_INVALID',
      'READING_INVALID',
      'READING_INVALID',
      'taken',
    ]);
    const stored = (await client.getJson(`/v1/feeds/weather/readings?device=${device}`)) as {
      readings: { seq: number; v: Record<string, number> }[];
    };
    expect(stored.readings.map((r) => r.seq)).toEqual([7, 4, 3, 2, 1]);
    expect(stored.readings[0]!.v).toEqual({ temperature: 20.7, humidity: 0.5 });
    expect(await codeOf(client.postJson('/v1/feeds/weather/readings', { readings: [] }))).toBe(
      'INVALID_ARGUMENT',
    );
    // A feed no reading was ever taken in is not an empty one: a misspelt name says so.
    for (const path of [
      'readings',
      'devices',
      'aggregates?quantity=temperature',
      'report-input?quantity=t&from=0',
    ])
      expect(await codeOf(client.getJson(`/v1/feeds/wether/${path}`))).toBe('FEED_NOT_FOUND');
  });

  it("limits a flooding device to its own rate, and takes the other devices' readings all the same", async () => {
    const owner = localAccount(generatePrivateKey());
    const [floodKey, quietKey] = [generatePrivateKey(), generatePrivateKey()];
    for (const key of [floodKey, quietKey])
      await registerDevice(
        { coordinator: client, signer: owner, domain: testDomain },
        key,
        'weather-station',
      );
    const now = Date.now();
    const readingsOf = (key: `0x${string}`, count: number, from: number): Reading[] =>
      Array.from({ length: count }, (_, i) => ({
        device: localAccount(key).address,
        feed: 'flood',
        t: now - 60_000 + i,
        cell: 'u4pru',
        v: { temperature: 20 + i / 1000 },
        seq: from + i,
      }));
    const flood = readingsOf(floodKey, 2_000, 0).map((r) => signReading(r, floodKey));
    const quiet = readingsOf(quietKey, 20, 0).map((r) => signReading(r, quietKey));
    // The flood and the quiet device's readings interleaved in the same requests.
    const first = await pushReadings({ coordinator: client }, 'flood', [
      ...flood.slice(0, 990),
      ...quiet.slice(0, 10),
    ]);
    const second = await pushReadings({ coordinator: client }, 'flood', [
      ...flood.slice(990, 1_980),
      ...quiet.slice(10),
    ]);
    const codes = [...first.results, ...second.results].map((r) => ('error' in r ? r.error.code : 'taken'));
    expect(first.accepted + second.accepted).toBeLessThan(1_980 + 20);
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThan(400);
    expect(codes.every((c) => c === 'taken' || c === 'RATE_LIMITED')).toBe(true);
    // Every one of the quiet device's readings was taken.
    expect(first.results.slice(990).every((r) => 'accepted' in r)).toBe(true);
    expect(second.results.slice(990).every((r) => 'accepted' in r)).toBe(true);
  });

  it("takes a device's signed batch reading by reading, and refuses a batch that is not all its own", async () => {
    const owner = localAccount(generatePrivateKey());
    const [key, otherKey] = [generatePrivateKey(), generatePrivateKey()];
    await registerDevice({ coordinator: client, signer: owner, domain: testDomain }, key, 'weather-station');
    const device = localAccount(key).address;
    const now = Date.now();
    const reading = (seq: number, over: Partial<Reading> = {}): Reading => ({
      device,
      feed: 'batches',
      t: now - 100_000 + seq,
      cell: 'u4pru',
      v: { temperature: 20 + seq / 100 },
      seq,
      ...over,
    });
    const fifty = Array.from({ length: 50 }, (_, i) => reading(i));
    const taken = await pushReadingBatches({ coordinator: client }, 'batches', fifty, key);
    expect(taken.accepted).toBe(50);
    expect(taken.results).toHaveLength(50);
    // In one batch: a replay and another feed are refused one by one, the rest taken.
    const mixed = await pushReadingBatches(
      { coordinator: client },
      'batches',
      [reading(50), reading(10), reading(51, { feed: 'other' }), reading(52)],
      key,
    );
    expect(mixed.results.map((r) => ('error' in r ? r.error.code : 'taken'))).toEqual([
      'taken',
      'READING_REPLAYED',
      'READING_INVALID',
      'taken',
    ]);
    // A batch naming two devices, or signed by another key, is refused whole, with one answer.
    const twoDevices = signReadingBatch(
      [reading(60), reading(61, { device: localAccount(otherKey).address })],
      key,
    );
    const forged = signReadingBatch([reading(62)], otherKey);
    const refused = await pushReadings({ coordinator: client }, 'batches', [twoDevices, forged]);
    expect(refused.results).toEqual([
      { error: { code: 'READING_INVALID', message: expect.stringContaining('same device') } },
      { error: { code: 'READING_INVALID', message: expect.stringContaining('not by the device') } },
    ]);
  });
});
