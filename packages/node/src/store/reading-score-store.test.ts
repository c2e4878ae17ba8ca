import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { getAddress } from 'viem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresDialect, sqliteDialect } from './dialects.js';
import { MIGRATIONS, migrateToLatest } from './migrate.js';
import { type CoordinatorStore, openCoordinatorStore } from './open-store.js';
import type { Database } from './schema.js';
import { freshDatabase } from './testing/fresh-database.js';

// SQLite always; PostgreSQL too when TEST_DATABASE_URL names one (CI sets it), a fresh database a test.
const databases: [name: string, url: string | undefined][] = [
  ['SQLite', undefined],
  ...(process.env.TEST_DATABASE_URL
    ? [['PostgreSQL', process.env.TEST_DATABASE_URL] as [string, string]]
    : []),
];

const owner = getAddress('0x00000000000000000000000000000000000000aa');
const device = getAddress('0x00000000000000000000000000000000000000d1');
const reading = (seq: number) => ({
  device,
  feed: 'weather',
  t: seq * 600_000,
  cell: 'u4pru',
  v: { temperature: 20 },
  seq,
});
const score = (seq: number, rewardable: boolean) => ({
  device,
  seq,
  t: seq * 600_000,
  score: rewardable ? 1 : 0,
  rewardable,
  checks: '["plausible"]',
});
const history = [{ device: device.toLowerCase(), history: '{"sameValues":0}', reputation: 0.5 }];

let dataDir: string;
let store: CoordinatorStore | undefined;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-scores-'));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(databases)('feed scores in the store on %s', (_name, base) => {
  const databaseUrl = async () => (base ? await freshDatabase(base, 'scores') : undefined);

  it("keeps each device's scored and rewardable counts, finds feeds behind by their marks, and zeroes the counts on erasure", async () => {
    const url = await databaseUrl();
    store = await openCoordinatorStore({ dataDir, ...(url ? { databaseUrl: url } : {}) });
    await store.feeds.register({ device, owner, kind: 'weather-station', registeredAt: 0 }, {});
    await store.feeds.insert([reading(1), reading(2), reading(3)], 1_000);
    expect(await store.readingScores.feedsBehind()).toEqual([{ feed: 'weather', scoredThrough: -1 }]);

    await store.readingScores.save('weather', [score(1, true), score(2, false)], history, 1_000, 2_000);
    expect(await store.readingScores.feedsBehind()).toEqual([]);
    await store.readingScores.save('weather', [score(3, true)], history, 1_000, 3_000);
    const [listed] = await store.readingScores.devices('weather');
    expect(listed).toMatchObject({ device, owner, reputation: 0.5, scored: 3, rewardable: 2 });
    expect(
      (await store.readingScores.qualityOf([{ device, seq: 2 }])).get(`${device.toLowerCase()}/2`),
    ).toMatchObject({
      score: 0,
      rewardable: false,
    });

    await store.feeds.insert([reading(4)], 4_000);
    expect(await store.readingScores.feedsBehind()).toEqual([{ feed: 'weather', scoredThrough: 1_000 }]);
    expect(await store.feeds.setConsent(owner, 'weather', false, {}, 5_000)).toBe(4);
    expect((await store.readingScores.devices('weather'))[0]).toMatchObject({ scored: 0, rewardable: 0 });
  });

  it('migration 017 counts the scores already stored and marks the feeds already read', async () => {
    const url = await databaseUrl();
    const db = new Kysely<Database>({
      dialect: url ? await postgresDialect(url) : await sqliteDialect(join(dataDir, 'coordinator.db')),
    });
    try {
      const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '017'));
      await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
      const key = device.toLowerCase();
      await db
        .insertInto('readings')
        .values(
          [1, 2, 3].map((seq) => {
            const { v: _v, ...row } = reading(seq);
            return { ...row, device: key, vals: '{}', received_at: 1_000 };
          }),
        )
        .execute();
      await db
        .insertInto('reading_scores')
        .values(
          [1, 2].map((seq) => ({
            device: key,
            seq,
            feed: 'weather',
            score: 1,
            rewardable: seq - 1,
            checks: '[]',
            scored_at: 2_000,
          })),
        )
        .execute();
      await (db as unknown as Kysely<{ device_quality: Record<string, unknown> }>)
        .insertInto('device_quality')
        .values({ device: key, feed: 'weather', history: '{}', reputation: 1, updated_at: 2_000 })
        .execute();
      await migrateToLatest(db);
      const counts = await db.selectFrom('device_quality').select(['scored', 'rewardable']).execute();
      expect(counts.map((row) => [Number(row.scored), Number(row.rewardable)])).toEqual([[2, 1]]);
      const marks = await db.selectFrom('feed_scoring').selectAll().execute();
      expect(marks.map((row) => [row.feed, Number(row.scored_through)])).toEqual([['weather', -1]]);
    } finally {
      await db.destroy();
    }
  });
});
