import pg from 'pg';

/**
 * A new, empty PostgreSQL database on the server `base` names (its URL returned): a suite of its
 * own, since the store suites wipe TEST_DATABASE_URL's database as they run.
 */
export async function freshDatabase(base: string, prefix: string): Promise<string> {
  const name = `idlegrid_${prefix}_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const fresh = new URL(base);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}
