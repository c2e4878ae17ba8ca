import type { Kysely, Migration } from 'kysely';

/** The latest voucher forwarded per (client, provider): lets clients continue cumulative payment. */
export const paymentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('vouchers')
      .addColumn('client', 'text', (col) => col.notNull())
      .addColumn('provider', 'text', (col) => col.notNull())
      .addColumn('cumulative_amount', 'text', (col) => col.notNull())
      .addColumn('nonce', 'text', (col) => col.notNull())
      .addColumn('voucher', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('vouchers_pk', ['client', 'provider'])
      .execute();
  },
};
