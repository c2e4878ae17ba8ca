import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { type Dialect, PostgresDialect, SqliteDialect } from 'kysely';

/** SQLite file (the embedded default), in WAL mode so readers never block the writer. */
export async function sqliteDialect(path: string): Promise<Dialect> {
  const { default: Database } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new SqliteDialect({ database });
}

/** PostgreSQL from a connection URL; several coordinators may share one database. */
export async function postgresDialect(url: string): Promise<Dialect> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new IdlegridError(
      'STORE_UNAVAILABLE',
      `cannot connect to PostgreSQL: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return new PostgresDialect({ pool });
}
