import { isIdlegridError, localAccount, type Reading } from '@idlegrid/protocol';
import { feedAggregates, pushReadings, registerDevice, setFeedConsent } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDomain } from '../api/testing.js';
import { type OffChainCoordinator, startOffChainCoordinator } from '../coordinator/testing.js';
import { laplace } from './aggregates.js';

let running: OffChainCoordinator;
const ctxOf = (signer: ReturnType<typeof localAccount>) => ({
  coordinator: running.client,
  signer,
  domain: testDomain,
});

beforeAll(async () => {
  running = await startOffChainCoordinator('feed-privacy', {
    feedScoring: { intervalMs: 100, settleMs: 0 },
    feedCellPrecision: { coarse: 4 },
  });
});
afterAll(() => running.stop());

interface Listed {
  readings: { device: string; seq: number; cell: string; quality?: unknown }[];
}
const readingsOf = async (feed: string, device: string) =>
  ((await running.client.getJson(`/v1/feeds/${feed}/readings?device=${device}&limit=1000`)) as Listed)
    .readings;

/** A station's readings: `count` of them, ten minutes apart, ending ten minutes ago. */
function series(
  device: `0x${string}`,
  feed: string,
  count: number,
  temperature: number,
  cell = 'u4pruydqq',
  from = 0,
): Reading[] {
  return Array.from({ length: count }, (_, i) => ({
    device,
    feed,
    t: Date.now() - (count - i) * 600_000,
    cell,
    v: { temperature: temperature + (i % 3) / 10 },
    seq: from + i,
  }));
}

async function scored(feed: string, device: string, count: number) {
  for (let tries = 0; tries < 100; tries++) {
    const readings = await readingsOf(feed, device);
    if (readings.length === count && readings.every((r) => r.quality)) return readings;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${device}'s readings were not scored`);
}

describe("a feed's privacy", () => {
  it("keeps only the feed's precision of a reading's place", async () => {
    const owner = localAccount(generatePrivateKey());
    const key = generatePrivateKey();
    const device = localAccount(key).address;
    await registerDevice(ctxOf(owner), key, 'weather-station');
    await pushReadings({ coordinator: running.client }, 'coarse', series(device, 'coarse', 2, 20), key);
    await pushReadings(
      { coordinator: running.client },
      'weather',
      series(device, 'weather', 2, 20, 'u4pruydqq', 10),
      key,
    );
    expect((await readingsOf('coarse', device)).map((r) => r.cell)).toEqual(['u4pr', 'u4pr']);
    // The default: 6 characters, about 1.2 km by 0.6 km.
    expect((await readingsOf('weather', device)).map((r) => r.cell)).toEqual(['u4pruy', 'u4pruy']);
  });

  it("erases an owner's readings when it revokes its consent, and takes none until it grants it again", async () => {
    const owner = localAccount(generatePrivateKey());
    const keys = [generatePrivateKey(), generatePrivateKey()];
    const devices = keys.map((key) => localAccount(key).address);
    for (const key of keys) await registerDevice(ctxOf(owner), key, 'weather-station');
    const other = localAccount(generatePrivateKey());
    const otherKey = generatePrivateKey();
    const otherDevice = localAccount(otherKey).address;
    await registerDevice(ctxOf(other), otherKey, 'weather-station');
    for (const [i, key] of keys.entries())
      await pushReadings(
        { coordinator: running.client },
        'consent',
        series(devices[i]!, 'consent', 5, 20),
        key,
      );
    await pushReadings(
      { coordinator: running.client },
      'consent',
      series(otherDevice, 'consent', 5, 20),
      otherKey,
    );
    await scored('consent', devices[0]!, 5);

    expect(await setFeedConsent(ctxOf(owner), 'consent', false)).toEqual({ erased: 10 });
    for (const device of devices) expect(await readingsOf('consent', device)).toEqual([]);
    // Another owner's readings stay.
    expect(await readingsOf('consent', otherDevice)).toHaveLength(5);
    const refused = await pushReadings(
      { coordinator: running.client },
      'consent',
      series(devices[0]!, 'consent', 1, 20, 'u4pru', 5),
      keys[0]!,
    );
    expect(refused.results[0]).toMatchObject({ error: { code: 'CONSENT_REVOKED' } });

    expect(await setFeedConsent(ctxOf(owner), 'consent', true)).toEqual({ erased: 0 });
    // An erased reading cannot be replayed in: the device's sequence goes on from the last erased.
    const replay = await pushReadings(
      { coordinator: running.client },
      'consent',
      series(devices[0]!, 'consent', 1, 20),
      keys[0]!,
    );
    expect(replay.results[0]).toMatchObject({ error: { code: 'READING_REPLAYED' } });
    const fresh = await pushReadings(
      { coordinator: running.client },
      'consent',
      series(devices[0]!, 'consent', 1, 20, 'u4pru', 6),
      keys[0]!,
    );
    expect(fresh.accepted).toBe(1);
    // Only the owner can speak for itself: a consent signed by someone else names them.
    const forged = await running.client
      .postJson('/v1/feeds/consent', {
        consent: { kind: 'FeedConsent', message: { owner: owner.address }, signature: '0x00' },
      })
      .then(
        () => 'taken',
        (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
      );
    expect(forged).not.toBe('taken');
  });

  it('shows only cells of at least k devices, each device counted once, with Laplace noise when asked', async () => {
    const owner = localAccount(generatePrivateKey());
    // Five stations in one cell (at 18, 19, 20, 21 and 22 °C) and two in another.
    const crowd = [18, 19, 20, 21, 22].map((temperature) => ({
      temperature,
      key: generatePrivateKey(),
      cell: 'u4pruy',
    }));
    const pair = [15, 16].map((temperature) => ({ temperature, key: generatePrivateKey(), cell: 'sp3e9b' }));
    for (const { temperature, key, cell } of [...crowd, ...pair]) {
      await registerDevice(ctxOf(owner), key, 'weather-station');
      // The hottest station sends twice as many readings: it must not weigh twice.
      const count = temperature === 22 ? 8 : 4;
      await pushReadings(
        { coordinator: running.client },
        'agg',
        series(localAccount(key).address, 'agg', count, temperature, cell),
        key,
      );
    }
    await scored('agg', localAccount(crowd[4]!.key).address, 8);
    await scored('agg', localAccount(pair[1]!.key).address, 4);
    const exact = await feedAggregates({ coordinator: running.client }, 'agg', {
      quantity: 'temperature',
      k: 3,
    });
    expect(exact.withheld).toBe(1);
    expect(exact.cells).toHaveLength(1);
    expect(exact.cells[0]).toMatchObject({ cell: 'u4pruy', devices: 5, readings: 24 });
    // Each station's own mean is its temperature + 0.1 (its readings cycle 0, 0.1, 0.2), ± its count's remainder.
    expect(exact.cells[0]!.mean).toBeCloseTo(20.09, 1);
    const noisy = await feedAggregates({ coordinator: running.client }, 'agg', {
      quantity: 'temperature',
      k: 3,
      epsilon: 0.5,
    });
    expect(noisy.cells[0]!.mean).not.toBe(exact.cells[0]!.mean);
    const code = await feedAggregates({ coordinator: running.client }, 'agg', {
      quantity: 'made-up',
      k: 3,
      epsilon: 1,
    }).then(
      () => 'answered',
      (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
    );
    expect(code).toBe('INVALID_ARGUMENT');
  });

  it('draws Laplace noise of the asked scale', () => {
    const draws = Array.from({ length: 40_000 }, () => laplace(2));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const meanAbs = draws.reduce((a, b) => a + Math.abs(b), 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    // E|X| = scale for Laplace(0, scale).
    expect(meanAbs).toBeGreaterThan(1.94);
    expect(meanAbs).toBeLessThan(2.06);
  });
});
