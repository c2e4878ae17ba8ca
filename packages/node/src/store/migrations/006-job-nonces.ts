import type { Kysely, Migration } from 'kysely';

const PAGE = 1000;

/**
 * The (client, nonce) of every accepted JobSpec, one row each (the primary key refuses a
 * second): a nonce serves one job, whatever the job id, and the memory survives restarts.
 * Jobs stored before this migration are remembered too; should two of them share a nonce,
 * the first by id keeps it.
 */
export const jobNoncesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('job_nonces')
      .addColumn('client', 'text', (col) => col.notNull())
      .addColumn('nonce', 'text', (col) => col.notNull())
      .addColumn('job_id', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('job_nonces_pk', ['client', 'nonce'])
      .execute();
    const jobs = db as unknown as Kysely<{
      jobs: { id: string; client: string; spec: string };
      job_nonces: { client: string; nonce: string; job_id: string };
    }>;
    let after = '';
    for (;;) {
      const rows = await jobs
        .selectFrom('jobs')
        .select(['id', 'client', 'spec'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute();
      const values = rows.flatMap((row) => {
        const nonce = (JSON.parse(row.spec) as { message?: { nonce?: unknown } }).message?.nonce;
        return typeof nonce === 'string' ? [{ client: row.client.toLowerCase(), nonce, job_id: row.id }] : [];
      });
      if (values.length > 0) {
        await jobs
          .insertInto('job_nonces')
          .values(values)
          .onConflict((conflict) => conflict.columns(['client', 'nonce']).doNothing())
          .execute();
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
  },
};
