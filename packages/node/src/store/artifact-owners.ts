import { IdlegridError } from '@idlegrid/protocol';
import type { Kysely } from 'kysely';
import type { Address, Hex } from 'viem';
import type { Database } from './schema.js';

/** Nonces taken between two sweeps of the expired ones. */
const NONCE_SWEEP_EVERY = 256;

export interface ArtifactOwnership {
  cid: string;
  owner: Address;
  /** The artifact key wrapped to the owner; none for an artifact stored in the clear. */
  wrappedKey: Hex | null;
  createdAt: number;
}

/**
 * Owners of artifacts. Content addressing lets two owners store the same bytes: each holds a
 * claim of its own, erasing drops only the eraser's claim, and the bytes are destroyed with the
 * last claim. Every signed request is taken once (its requester and nonce are remembered), and
 * every erasure is logged, without content.
 */
export class ArtifactOwners {
  constructor(private readonly db: Kysely<Database>) {}

  #taken = 0;

  /**
   * Remembers a signed request's (requester, nonce) until the request expires (`expiry`, unix
   * seconds); MESSAGE_REPLAYED when it was taken before. Every so often the expired ones go:
   * providers sign every download, so the table would otherwise grow with every fetch.
   */
  async takeNonce(requester: Address, nonce: bigint, expiry: bigint): Promise<void> {
    if (++this.#taken % NONCE_SWEEP_EVERY === 0) {
      await this.db
        .deleteFrom('artifact_request_nonces')
        .where('expires_at', '<', Math.floor(Date.now() / 1000))
        .execute();
    }
    const inserted = await this.db
      .insertInto('artifact_request_nonces')
      .values({ requester: requester.toLowerCase(), nonce: nonce.toString(), expires_at: Number(expiry) })
      .onConflict((conflict) => conflict.columns(['requester', 'nonce']).doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 0n) {
      throw new IdlegridError(
        'MESSAGE_REPLAYED',
        `artifact request nonce ${nonce} from ${requester} was already used`,
        {
          details: { requester, nonce: nonce.toString() },
        },
      );
    }
  }

  /** Makes `owner` an owner of `cid` (again: a new wrapped key replaces the old one). */
  async claim(cid: string, owner: Address, wrappedKey: Hex | null, now: number): Promise<ArtifactOwnership> {
    const row = { cid, owner: owner.toLowerCase(), wrapped_key: wrappedKey, created_at: now };
    await this.db
      .insertInto('artifact_owners')
      .values(row)
      .onConflict((conflict) => conflict.columns(['cid', 'owner']).doUpdateSet({ wrapped_key: wrappedKey }))
      .execute();
    return { cid, owner, wrappedKey, createdAt: now };
  }

  /** `owner`'s claim on `cid`, if it has one. */
  async claimOf(cid: string, owner: Address): Promise<ArtifactOwnership | undefined> {
    const row = await this.db
      .selectFrom('artifact_owners')
      .selectAll()
      .where('cid', '=', cid)
      .where('owner', '=', owner.toLowerCase())
      .executeTakeFirst();
    return row
      ? { cid, owner, wrappedKey: row.wrapped_key as Hex | null, createdAt: Number(row.created_at) }
      : undefined;
  }

  /**
   * Drops `owner`'s claim and logs the erasure; `destroy` is true when it was the last claim, and
   * the caller must then destroy the bytes. ARTIFACT_NOT_OWNER when `owner` holds no claim.
   */
  async erase(cid: string, owner: Address, now: number): Promise<{ destroy: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const removed = await trx
        .deleteFrom('artifact_owners')
        .where('cid', '=', cid)
        .where('owner', '=', owner.toLowerCase())
        .executeTakeFirst();
      if (removed.numDeletedRows === 0n) {
        throw new IdlegridError('ARTIFACT_NOT_OWNER', `${owner} owns no artifact ${cid}`, {
          details: { cid, owner },
        });
      }
      const left = await trx
        .selectFrom('artifact_owners')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('cid', '=', cid)
        .executeTakeFirstOrThrow();
      const destroy = Number(left.count) === 0;
      await trx
        .insertInto('artifact_erasures')
        .values({ cid, owner: owner.toLowerCase(), requested_at: now, blob_destroyed: destroy ? 1 : 0 })
        .execute();
      return { destroy };
    });
  }

  /** Every claim `owner` holds, oldest first. */
  async ownedBy(owner: Address): Promise<ArtifactOwnership[]> {
    const rows = await this.db
      .selectFrom('artifact_owners')
      .selectAll()
      .where('owner', '=', owner.toLowerCase())
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      cid: row.cid,
      owner,
      wrappedKey: row.wrapped_key as Hex | null,
      createdAt: Number(row.created_at),
    }));
  }

  /** Every CID someone owns: reading or using one of them needs leave (see coordinator/artifact-access.ts). */
  async ownedCids(): Promise<string[]> {
    const rows = await this.db.selectFrom('artifact_owners').select('cid').distinct().execute();
    return rows.map((row) => row.cid);
  }

  /** The erasure log of `owner`: what it erased, when, and whether the bytes went with it. */
  async erasuresOf(owner: Address): Promise<{ cid: string; requestedAt: number; blobDestroyed: boolean }[]> {
    const rows = await this.db
      .selectFrom('artifact_erasures')
      .selectAll()
      .where('owner', '=', owner.toLowerCase())
      .orderBy('requested_at')
      .execute();
    return rows.map((row) => ({
      cid: row.cid,
      requestedAt: Number(row.requested_at),
      blobDestroyed: row.blob_destroyed === 1,
    }));
  }
}
