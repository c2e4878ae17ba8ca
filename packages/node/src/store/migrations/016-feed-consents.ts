import type { Kysely, Migration } from 'kysely';

/**
 * Owners' consents to feeds (the signed FeedConsent: granted or revoked), and each device's
 * sequence floor: the last seq of readings erased, so that an erased reading can never be
 * replayed in again.
 */
export const feedConsentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('feed_consents')
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('feed', 'text', (col) => col.notNull())
      .addColumn('granted', 'integer', (col) => col.notNull())
      .addColumn('consent', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('feed_consents_pk', ['owner', 'feed'])
      .execute();
    await db.schema
      .alterTable('devices')
      .addColumn('seq_floor', 'bigint', (col) => col.notNull().defaultTo(-1))
      .execute();
  },
};
