import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresDialect, sqliteDialect } from './dialects.js';
import { RowsInsert } from './rows-insert.js';

interface Db {
  rows_insert_test: { id: number; name: string; value: number };
}

// SQLite always; PostgreSQL too when TEST_DATABASE_URL names one (CI sets it).
const databases: [name: string, url: string | undefined][] = [
  ['SQLite', undefined],
  ...(process.env.TEST_DATABASE_URL
    ? [['PostgreSQL', process.env.TEST_DATABASE_URL] as [string, string]]
    : []),
];

let db: Kysely<Db> | undefined;
afterEach(async () => {
  await sql`drop table if exists rows_insert_test`.execute(db!);
  await db?.destroy();
});

describe.each(databases)('RowsInsert on %s', (_name, url) => {
  it('inserts any number of rows, values in their columns, and counts what a conflict skips', async () => {
    db = new Kysely<Db>({ dialect: url ? await postgresDialect(url) : await sqliteDialect(':memory:') });
    await sql`drop table if exists rows_insert_test`.execute(db);
    await sql`create table rows_insert_test (id bigint primary key, name text not null, value real not null)`.execute(
      db,
    );
    const insert = new RowsInsert(['id', 'name', 'value'], (rows) =>
      db!
        .insertInto('rows_insert_test')
        .values(rows as Db['rows_insert_test'][])
        .onConflict((c) => c.column('id').doNothing()),
    );
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: from + i,
        name: `row ${from + i}`,
        value: (from + i) / 4,
      }));
    // 12,345 rows: the most a statement holds (8,192 for three columns), then powers of two (4,096 + 32 + 16 + 8 + 1).
    expect(await db.transaction().execute((trx) => insert.run(trx, rows(0, 12_345)))).toBe(12_345);
    expect(await db.transaction().execute((trx) => insert.run(trx, []))).toBe(0);
    // 100 already there: skipped and not counted.
    expect(await db.transaction().execute((trx) => insert.run(trx, rows(12_245, 101)))).toBe(1);
    const stored = await db.selectFrom('rows_insert_test').selectAll().orderBy('id').execute();
    expect(stored.map((row) => ({ ...row, id: Number(row.id) }))).toEqual(rows(0, 12_346));
  });
});
