import type { Kysely, Migration } from 'kysely';

/**
 * Which provider was given which artifact (a job naming it was assigned to it), so that an
 * erasure reaches every copy; and, per erased artifact and provider, the erasure notice and the
 * provider's signed receipt once it came. Providers that were offline get the notice on reconnect.
 */
export const artifactCopiesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('artifact_copies')
      .addColumn('cid', 'text', (col) => col.notNull())
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('since', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('artifact_copies_pk', ['cid', 'provider'])
      .execute();
    await db.schema
      .createTable('erasure_receipts')
      .addColumn('cid', 'text', (col) => col.notNull())
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('requested_at', 'bigint', (col) => col.notNull())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('receipt', 'text')
      .addPrimaryKeyConstraint('erasure_receipts_pk', ['cid', 'provider'])
      .execute();
    await db.schema
      .createIndex('erasure_receipts_by_provider')
      .on('erasure_receipts')
      .columns(['provider', 'confirmed_at'])
      .execute();
  },
};
