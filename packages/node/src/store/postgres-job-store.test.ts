import { IdlegridError } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { postgresDialect } from './dialects.js';
import { jobStoreConformance } from './job-store.conformance.js';
import { KyselyJobStore } from './kysely-job-store.js';

/**
 * PostgreSQL runs the same conformance suite when TEST_DATABASE_URL names a database it
 * may wipe. CI always sets it (.ci/run installs and starts PostgreSQL); without it, on a
 * developer machine, only the SQLite half runs.
 */
const url = process.env.TEST_DATABASE_URL;
if (process.env.CI && !url) throw new Error('CI must set TEST_DATABASE_URL so the PostgreSQL suite runs');

describe.runIf(url)('PostgreSQL job store', () => {
  jobStoreConformance('PostgreSQL', async () => {
    return KyselyJobStore.open(await postgresDialect(url!));
  });

  it('reports an unreachable server with a stable code', async () => {
    const error = await postgresDialect('postgres://nobody:nothing@127.0.0.1:9/none').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(IdlegridError);
    expect((error as IdlegridError).code).toBe('STORE_UNAVAILABLE');
  });
});
