import type { Kysely, Migration } from 'kysely';

/**
 * Devices bound to their owners (the signed binding kept as evidence), and the readings they
 * signed, one per (device, sequence number): a replayed reading has nowhere to go.
 */
export const feedsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('devices')
      .addColumn('device', 'text', (col) => col.primaryKey())
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('binding', 'text', (col) => col.notNull())
      .addColumn('registered_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('devices_by_owner').on('devices').column('owner').execute();
    await db.schema
      .createTable('readings')
      .addColumn('device', 'text', (col) => col.notNull())
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('feed', 'text', (col) => col.notNull())
      .addColumn('t', 'bigint', (col) => col.notNull())
      .addColumn('cell', 'text', (col) => col.notNull())
      .addColumn('vals', 'text', (col) => col.notNull())
      .addColumn('received_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('readings_pk', ['device', 'seq'])
      .execute();
    await db.schema.createIndex('readings_by_feed').on('readings').columns(['feed', 't']).execute();
  },
};
