import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetReadings, simulatedFleet } from '../simulation/device-fleet.js';
import type { ReadingToScore } from './feed-scorer.js';
import { ScoringHost } from './scoring-host.js';

// The worker runs compiled JavaScript: the script tsc builds from these sources (npm test builds first).
const BUILT = new URL('../../../dist/feeds/quality/scoring-worker.js', import.meta.url);

const hosts: ScoringHost[] = [];
const host = (options: ConstructorParameters<typeof ScoringHost>[0]) => {
  const started = new ScoringHost(options);
  hosts.push(started);
  return started;
};
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

/** Two hours of a simulated town's readings, in 10-minute batches. */
function batches(): ReadingToScore[][] {
  const from = Date.UTC(2026, 5, 1);
  const fleet = simulatedFleet({ devices: 16, faultShare: 0.25, seed: 3 });
  const out: ReadingToScore[][] = [];
  for (const { reading } of fleetReadings(fleet, { from, hours: 2, faultsAfterHours: 1 })) {
    const index = Math.floor((reading.t - from) / 600_000);
    out[index] = [
      ...(out[index] ?? []),
      { ...reading, kind: 'weather-station', receivedAt: reading.t + 1_000 },
    ];
  }
  return out.filter(Boolean);
}

describe('ScoringHost', () => {
  it('scores on its worker thread exactly as on this one, and restores a feed after the worker dies', async () => {
    expect(existsSync(fileURLToPath(BUILT)), 'build first (tsc -b)').toBe(true);
    const worker = host({ script: BUILT });
    const here = host({ thread: 'here' });
    for (const h of [worker, here]) await h.restore('weather', [], []);
    for (const batch of batches())
      expect(await worker.score('weather', batch)).toEqual(await here.score('weather', batch));

    await worker.stop();
    expect(worker.has('weather')).toBe(false);
    await expect(worker.score('weather', batches()[0]!)).rejects.toThrow(/no scorer for feed weather/);
    await worker.restore('weather', [], []);
    expect(worker.has('weather')).toBe(true);
    expect((await worker.score('weather', batches()[0]!)).scores).toHaveLength(batches()[0]!.length);
  });
});
