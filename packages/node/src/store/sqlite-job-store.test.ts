import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteDialect } from './dialects.js';
import { jobStoreConformance } from './job-store.conformance.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { openJobStore } from './open-store.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'idlegrid-store-'));
  dirs.push(dir);
  return dir;
}

jobStoreConformance('SQLite', async () =>
  KyselyJobStore.open(await sqliteDialect(join(await tempDir(), 'jobs.db'))),
);
// What a coordinator runs: its own file, jobs served from memory.
jobStoreConformance('SQLite, exclusive', async () =>
  KyselyJobStore.open(await sqliteDialect(join(await tempDir(), 'jobs.db')), { exclusive: true }),
);

describe('SQLite job store file', () => {
  it('keeps every job and event across a restart', async () => {
    const dataDir = await tempDir();
    const first = await openJobStore({ dataDir });
    const id = `0x${'ab'.repeat(32)}`;
    await first.create({
      id,
      client: '0x0000000000000000000000000000000000000001',
      spec: { a: 1 },
      deadline: 1,
      maxAttempts: 2,
    });
    await first.transition(id, 'matched');
    await first.close();

    const second = await openJobStore({ dataDir });
    try {
      expect((await second.get(id)).state).toBe('matched');
      expect(await second.events(id)).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
