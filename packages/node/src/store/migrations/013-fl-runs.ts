import type { Kysely, Migration } from 'kysely';

/**
 * Federated runs (the client's signed FlRun, the global model after the last closed round, the
 * strategy's and the privacy accountant's state) and their rounds (who took part, who was dropped,
 * the updates' signed receipts): a restarted coordinator resumes each run at its last closed round.
 */
export const flRunsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('fl_runs')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('client', 'text', (col) => col.notNull())
      .addColumn('run', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('reason', 'text')
      .addColumn('rounds_done', 'integer', (col) => col.notNull())
      .addColumn('weights', 'text', (col) => col.notNull())
      .addColumn('strategy_state', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('fl_runs_by_client')
      .on('fl_runs')
      .columns(['client', 'created_at'])
      .execute();
    await db.schema
      .createTable('fl_rounds')
      .addColumn('run_id', 'text', (col) => col.notNull())
      .addColumn('round', 'integer', (col) => col.notNull())
      .addColumn('record', 'text', (col) => col.notNull())
      .addColumn('weights', 'text', (col) => col.notNull())
      .addColumn('closed_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('fl_rounds_pk', ['run_id', 'round'])
      .execute();
  },
};
