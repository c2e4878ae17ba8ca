import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { type Dialect, PostgresDialect, SqliteDialect } from 'kysely';

/**
 * SQLite file (the embedded default), in WAL mode so readers never block the writer.
 * `synchronous = NORMAL` skips the fsync of each commit: a killed coordinator loses nothing
 * (committed pages are in the WAL, in the OS cache); only a power cut may lose the last
 * transactions. It cuts a job's six state transitions from milliseconds each to microseconds.
 */
export async function sqliteDialect(path: string): Promise<Dialect> {
  const { default: Database } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  cacheStatements(database);
  return new SqliteDialect({ database });
}

/**
 * Kysely prepares every query afresh; compiling the SQL costs more than running it here.
 * The store issues a small fixed set of query shapes, so prepared statements are kept by
 * SQL text (bounded, in case of a shape with a variable number of parameters).
 */
function cacheStatements(database: import('better-sqlite3').Database, capacity = 256): void {
  const prepare = database.prepare.bind(database);
  const statements = new Map<string, ReturnType<typeof prepare>>();
  database.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= capacity) statements.clear();
      statement = prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  }) as typeof database.prepare;
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
