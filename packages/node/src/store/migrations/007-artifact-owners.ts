import type { Kysely, Migration } from 'kysely';

/**
 * Who owns which artifact, with the artifact key wrapped to each owner (encrypted artifacts);
 * the (requester, nonce) of every signed artifact request, so that none is taken twice, even
 * across restarts; and the log of erasures: who asked, when. The log holds no content.
 */
export const artifactOwnersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('artifact_owners')
      .addColumn('cid', 'text', (col) => col.notNull())
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('wrapped_key', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('artifact_owners_pk', ['cid', 'owner'])
      .execute();
    await db.schema.createIndex('artifact_owners_by_owner').on('artifact_owners').column('owner').execute();
    await db.schema
      .createTable('artifact_request_nonces')
      .addColumn('requester', 'text', (col) => col.notNull())
      .addColumn('nonce', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('artifact_request_nonces_pk', ['requester', 'nonce'])
      .execute();
    await db.schema
      .createTable('artifact_erasures')
      .addColumn('cid', 'text', (col) => col.notNull())
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('requested_at', 'bigint', (col) => col.notNull())
      .addColumn('blob_destroyed', 'integer', (col) => col.notNull())
      .execute();
  },
};
