import type { Kysely, Migration } from 'kysely';

/** Jobs and their append-only event log. Forward-only: later changes add new migrations. */
export const jobsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('client', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('spec', 'text', (col) => col.notNull())
      .addColumn('provider', 'text')
      .addColumn('price', 'text')
      .addColumn('attempt', 'integer', (col) => col.notNull())
      .addColumn('max_attempts', 'integer', (col) => col.notNull())
      .addColumn('result_cid', 'text')
      .addColumn('error', 'text')
      .addColumn('deadline', 'bigint', (col) => col.notNull())
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('jobs_client').on('jobs').columns(['client', 'created_at']).execute();
    await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'lease_expires_at']).execute();
    await db.schema
      .createTable('job_events')
      .addColumn('job_id', 'text', (col) => col.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (col) => col.notNull())
      .addColumn('from_state', 'text')
      .addColumn('to_state', 'text', (col) => col.notNull())
      .addColumn('at', 'bigint', (col) => col.notNull())
      .addColumn('detail', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('job_events_pk', ['job_id', 'seq'])
      .execute();
  },
};
