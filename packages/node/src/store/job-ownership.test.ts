import { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteDialect } from './dialects.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

const HOLD_MS = 1_000;
let clock = 1_000_000;
const now = () => clock;
const opened: Kysely<Database>[] = [];

afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy();
});

/** Two coordinators of a cluster on one database (SQLite in memory here: the same queries run on PostgreSQL). */
async function cluster() {
  const db = new Kysely<Database>({ dialect: await sqliteDialect(':memory:') });
  opened.push(db);
  await migrateToLatest(db);
  const store = (id: string) => new KyselyJobStore(db, { now, owner: { id, holdMs: HOLD_MS } });
  return { a: store('0xaaaa'), b: store('0xbbbb') };
}

const newJob = (id: string) => ({
  id,
  client: '0x00000000000000000000000000000000000000c1' as const,
  spec: { id },
  deadline: clock + 60_000,
  maxAttempts: 3,
});

describe('job ownership in a cluster', () => {
  it("keeps each job its acceptor's while it renews its hold, and hands the live ones to another once it stops", async () => {
    const { a, b } = await cluster();
    await a.create(newJob('0x01'));
    await a.create(newJob('0x02'));
    await a.transition('0x02', 'cancelled');
    expect((await a.list({ owned: true })).map((job) => job.id).sort()).toEqual(['0x01', '0x02']);
    expect(await b.list({ owned: true })).toEqual([]);
    expect(await a.owns('0x01')).toBe(true);
    expect(await b.owns('0x01')).toBe(false);

    // Renewed in time: nothing to take over.
    clock += HOLD_MS / 2;
    expect(await a.claim(clock)).toEqual([]);
    clock += HOLD_MS / 2 + 1;
    expect(await b.claim(clock)).toEqual([]);

    // A stops renewing: B takes the live job over, not the ended one; A's next claim gets nothing back.
    clock += HOLD_MS + 1;
    expect(await b.claim(clock)).toEqual(['0x01']);
    expect(await b.owns('0x01')).toBe(true);
    expect(await a.owns('0x01')).toBe(false);
    expect((await a.list({ owned: true, states: ['submitted'] })).map((job) => job.id)).toEqual([]);
    expect(await a.claim(clock)).toEqual([]);
    expect(await a.owns('0x01')).toBe(false);
  });
});
