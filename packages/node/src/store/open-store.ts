import { join } from 'node:path';
import { postgresDialect, sqliteDialect } from './dialects.js';
import { KyselyJobStore } from './kysely-job-store.js';

/** PostgreSQL when a URL is given (DATABASE_URL), else SQLite in DATA_DIR/coordinator.db. */
export async function openJobStore(options: {
  dataDir: string;
  databaseUrl?: string;
}): Promise<KyselyJobStore> {
  const dialect = options.databaseUrl
    ? await postgresDialect(options.databaseUrl)
    : await sqliteDialect(join(options.dataDir, 'coordinator.db'));
  return KyselyJobStore.open(dialect);
}
