import type { Kysely, Migration } from 'kysely';

/** What each run of a verified job earns (every agreeing run is paid), and when it was paid. */
export const runPaymentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('job_runs').addColumn('charge', 'text').execute();
    await db.schema.alterTable('job_runs').addColumn('paid_at', 'bigint').execute();
  },
};
