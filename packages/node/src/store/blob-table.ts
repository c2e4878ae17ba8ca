import type { Kysely } from 'kysely';
import type { SmallBlobs } from '../storage/artifact-store.js';
import type { GroupCommit } from './group-commit.js';
import type { Database } from './schema.js';

/**
 * The artifact store's small blobs in the coordinator's database: a job's result manifest
 * arrives with every result, and creating a file for it (then renaming it into place) costs
 * more than the rest of taking the result. Written in the same commit as the transitions of
 * the same turn (see group-commit.ts).
 */
export class BlobTable implements SmallBlobs {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupCommit<Database>,
  ) {}

  async put(cid: string, bytes: Uint8Array): Promise<void> {
    const row = { cid, size: bytes.byteLength, base64: Buffer.from(bytes).toString('base64') };
    await this.writes.write((trx) =>
      trx
        .insertInto('blobs')
        .values(row)
        .onConflict((conflict) => conflict.column('cid').doNothing())
        .execute(),
    );
  }

  async get(cid: string): Promise<Uint8Array | undefined> {
    const row = await this.db.selectFrom('blobs').select('base64').where('cid', '=', cid).executeTakeFirst();
    return row ? new Uint8Array(Buffer.from(row.base64, 'base64')) : undefined;
  }

  async size(cid: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('blobs').select('size').where('cid', '=', cid).executeTakeFirst();
    return row === undefined ? undefined : Number(row.size);
  }

  async delete(cid: string): Promise<void> {
    await this.writes.write((trx) => trx.deleteFrom('blobs').where('cid', '=', cid).execute());
  }
}
