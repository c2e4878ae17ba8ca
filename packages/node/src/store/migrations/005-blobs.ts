import type { Kysely, Migration } from 'kysely';

/** Small content-addressed blobs (result manifests, short outputs) kept in the database, not as files. */
export const blobsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('blobs')
      .addColumn('cid', 'text', (col) => col.primaryKey())
      .addColumn('size', 'integer', (col) => col.notNull())
      // Base64: one column type for SQLite and PostgreSQL alike; the blobs are small.
      .addColumn('base64', 'text', (col) => col.notNull())
      .execute();
  },
};
