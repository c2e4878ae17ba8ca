import type { Kysely, Migration } from 'kysely';

/** Each run of a verified job (the first, audits, arbiters): who ran it, what it answered, what it signed. */
export const runsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('job_runs')
      .addColumn('job_id', 'text', (col) => col.notNull())
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('purpose', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('result_cid', 'text')
      .addColumn('outcome', 'text')
      .addColumn('signed', 'text', (col) => col.notNull())
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('job_runs_pk', ['job_id', 'provider'])
      .execute();
  },
};
