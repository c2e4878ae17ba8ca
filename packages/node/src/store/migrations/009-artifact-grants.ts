import type { Kysely, Migration } from 'kysely';

/**
 * Grants: an owner lets a grantee read and use an artifact, for a purpose, until a time (0: revoked),
 * with the artifact key wrapped to the grantee for an encrypted one. The latest grant of an owner to
 * a grantee for an artifact replaces the one before; the signed grant is kept as evidence.
 */
export const artifactGrantsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('artifact_grants')
      .addColumn('cid', 'text', (col) => col.notNull())
      .addColumn('owner', 'text', (col) => col.notNull())
      .addColumn('grantee', 'text', (col) => col.notNull())
      .addColumn('purpose', 'text', (col) => col.notNull())
      .addColumn('until', 'bigint', (col) => col.notNull())
      .addColumn('wrapped_key', 'text')
      .addColumn('grant', 'text', (col) => col.notNull())
      .addColumn('granted_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('artifact_grants_pk', ['cid', 'owner', 'grantee'])
      .execute();
    await db.schema
      .createIndex('artifact_grants_by_grantee')
      .on('artifact_grants')
      .column('grantee')
      .execute();
    await db.schema.createIndex('artifact_grants_by_owner').on('artifact_grants').column('owner').execute();
  },
};
