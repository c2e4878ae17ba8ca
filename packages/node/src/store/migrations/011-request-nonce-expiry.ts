import type { Kysely, Migration } from 'kysely';

/**
 * Each signed artifact request's nonce is kept until the request expires, no longer: past its
 * expiry a replay fails its signature check anyway. Nonces kept before have no expiry (0) and go
 * at the first sweep.
 */
export const requestNonceExpiryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('artifact_request_nonces')
      .addColumn('expires_at', 'bigint', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('artifact_request_nonces_by_expiry')
      .on('artifact_request_nonces')
      .column('expires_at')
      .execute();
  },
};
