import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { Kysely, Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteDialect } from './dialects.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { jobsMigration } from './migrations/001-jobs.js';
import { paymentsMigration } from './migrations/002-payments.js';
import { runsMigration } from './migrations/003-runs.js';
import { runPaymentsMigration } from './migrations/004-run-payments.js';
import { blobsMigration } from './migrations/005-blobs.js';
import { openJobStore } from './open-store.js';
import type { Database } from './schema.js';

const client = '0x00000000000000000000000000000000000000Aa';
const idOf = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const spec = (nonce: string, n: number) => ({ kind: 'JobSpec', message: { nonce, n }, signature: '0x' });
const newJob = (n: number, nonce: string) => ({
  id: idOf(n),
  client: client as `0x${string}`,
  spec: spec(nonce, n),
  nonce,
  deadline: 2_000_000_000,
  maxAttempts: 3,
});
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (isIdlegridError(error) ? error.code : String(error)),
  );

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-nonces-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('JobSpec nonces in the job store', () => {
  it('are remembered across a restart', async () => {
    const first = await openJobStore({ dataDir: dir });
    await first.create(newJob(1, '5'));
    await first.close();
    const second = await openJobStore({ dataDir: dir });
    try {
      expect(await codeOf(second.create(newJob(2, '5')))).toBe('MESSAGE_REPLAYED');
      expect((await second.create(newJob(1, '5'))).id).toBe(idOf(1));
    } finally {
      await second.close();
    }
  });

  it('are taken from the jobs stored before the migration, the first by id keeping a shared one', async () => {
    const path = join(dir, 'jobs.db');
    const db = new Kysely<Database>({ dialect: await sqliteDialect(path) });
    const before = {
      '001-jobs': jobsMigration,
      '002-payments': paymentsMigration,
      '003-runs': runsMigration,
      '004-run-payments': runPaymentsMigration,
      '005-blobs': blobsMigration,
    };
    const migrated = await new Migrator({
      db,
      provider: { getMigrations: async () => before },
    }).migrateToLatest();
    expect(migrated.error).toBeUndefined();
    const row = (n: number, nonce: string) => ({
      id: idOf(n),
      client,
      state: 'submitted',
      spec: JSON.stringify(spec(nonce, n)),
      provider: null,
      price: null,
      attempt: 1,
      max_attempts: 3,
      result_cid: null,
      error: null,
      deadline: 2_000_000_000_000,
      lease_expires_at: null,
      created_at: 1,
      updated_at: 1,
      version: 1,
    });
    // Two old jobs shared nonce 9, as the coordinator allowed before.
    await db
      .insertInto('jobs')
      .values([row(1, '9'), row(2, '9'), row(3, '10')])
      .execute();
    await db.destroy();

    const store = await KyselyJobStore.open(await sqliteDialect(path));
    try {
      expect((await store.get(idOf(2))).id).toBe(idOf(2));
      for (const nonce of ['9', '10'])
        expect(await codeOf(store.create(newJob(4, nonce)))).toBe('MESSAGE_REPLAYED');
      expect((await store.create(newJob(5, '11'))).id).toBe(idOf(5));
    } finally {
      await store.close();
    }
  });
});
