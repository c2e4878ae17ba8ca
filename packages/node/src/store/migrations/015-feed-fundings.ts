import type { Kysely, Migration } from 'kysely';

/**
 * Buyers' fundings of feeds (the signed FeedFunding, and how much of its budget is spent) and
 * what each funding owes each device owner: readings rewarded, amount owed, amount paid by voucher.
 */
export const feedFundingsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('feed_fundings')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('buyer', 'text', (col) => col.notNull())
      .addColumn('feed', 'text', (col) => col.notNull())
      .addColumn('funding', 'text', (col) => col.notNull())
      .addColumn('spent', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('feed_fundings_by_feed').on('feed_fundings').column('feed').execute();
    await db.schema
      .createTable('feed_rewards')
      .addColumn('funding_id', 'text', (col) => col.notNull())
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('readings', 'integer', (col) => col.notNull())
      .addColumn('owed', 'text', (col) => col.notNull())
      .addColumn('paid', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('feed_rewards_pk', ['funding_id', 'owner'])
      .execute();
    await db.schema.createIndex('feed_rewards_by_owner').on('feed_rewards').column('owner').execute();
  },
};
