import type { Kysely, Migration } from 'kysely';

/**
 * Each reading's quality score with its reasons, each device's scoring history (the online
 * models and its reputation) per feed, and how far each feed is scored: a restarted coordinator
 * goes on where it stopped.
 */
export const readingScoresMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('reading_scores')
      .addColumn('device', 'text', (col) => col.notNull())
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('feed', 'text', (col) => col.notNull())
      .addColumn('score', 'real', (col) => col.notNull())
      .addColumn('rewardable', 'integer', (col) => col.notNull())
      .addColumn('checks', 'text', (col) => col.notNull())
      .addColumn('scored_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('reading_scores_pk', ['device', 'seq'])
      .execute();
    await db.schema
      .createTable('device_quality')
      .addColumn('device', 'text', (col) => col.notNull())
      .addColumn('feed', 'text', (col) => col.notNull())
      .addColumn('history', 'text', (col) => col.notNull())
      .addColumn('reputation', 'real', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('device_quality_pk', ['device', 'feed'])
      .execute();
    await db.schema
      .createTable('feed_scoring')
      .addColumn('feed', 'text', (col) => col.primaryKey())
      .addColumn('scored_through', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('readings_by_arrival')
      .on('readings')
      .columns(['feed', 'received_at'])
      .execute();
  },
};
