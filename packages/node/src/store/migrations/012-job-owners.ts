import type { Kysely, Migration } from 'kysely';

/**
 * Which coordinator of a cluster (coordinators sharing one PostgreSQL) runs each job, and until
 * when its hold lasts unless renewed: a job whose owner stopped renewing is taken over by another.
 * A coordinator alone keeps none (NULL).
 */
export const jobOwnersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('jobs').addColumn('owner', 'text').execute();
    await db.schema
      .alterTable('jobs')
      .addColumn('owner_until', 'bigint', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('jobs_by_owner').on('jobs').columns(['owner', 'state']).execute();
  },
};
