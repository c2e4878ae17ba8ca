import type { ArtifactGrant } from '@idlegrid/protocol';
import type { Kysely } from 'kysely';
import { type Address, getAddress, type Hex } from 'viem';
import type { ArtifactGrantsTable, Database } from './schema.js';

/** A grant as stored: who lets whom use what, for what, until when, and the signed grant itself. */
export interface StoredGrant {
  cid: string;
  owner: Address;
  grantee: Address;
  purpose: string;
  /** Unix seconds; 0 when revoked. */
  until: number;
  wrappedKey: Hex | null;
  grantedAt: number;
  grant: unknown;
}

/** Grants on owned artifacts (see the ArtifactGrant message): the latest of an owner to a grantee for an artifact is in force. */
export class ArtifactGrants {
  constructor(private readonly db: Kysely<Database>) {}

  async put(grant: ArtifactGrant, signed: unknown, now: number): Promise<StoredGrant> {
    const row = {
      cid: grant.cid,
      owner: grant.owner.toLowerCase(),
      grantee: grant.grantee.toLowerCase(),
      purpose: grant.purpose,
      until: Number(grant.until),
      wrapped_key: grant.wrappedKey === '' ? null : grant.wrappedKey,
      grant: JSON.stringify(signed),
      granted_at: now,
    };
    const { cid: _cid, owner: _owner, grantee: _grantee, ...update } = row;
    await this.db
      .insertInto('artifact_grants')
      .values(row)
      .onConflict((conflict) => conflict.columns(['cid', 'owner', 'grantee']).doUpdateSet(update))
      .execute();
    return storedOf(row);
  }

  /** The grants on `cid` to `grantee` still in force at `nowSeconds`. */
  async inForce(cid: string, grantee: Address, nowSeconds: number): Promise<StoredGrant[]> {
    const rows = await this.db
      .selectFrom('artifact_grants')
      .selectAll()
      .where('cid', '=', cid)
      .where('grantee', '=', grantee.toLowerCase())
      .where('until', '>', nowSeconds)
      .execute();
    return rows.map(storedOf);
  }

  /** Every grant `address` gave or received (revoked ones too: they are history). */
  async of(address: Address): Promise<{ given: StoredGrant[]; received: StoredGrant[] }> {
    const who = address.toLowerCase();
    const [given, received] = await Promise.all([
      this.db
        .selectFrom('artifact_grants')
        .selectAll()
        .where('owner', '=', who)
        .orderBy('granted_at')
        .execute(),
      this.db
        .selectFrom('artifact_grants')
        .selectAll()
        .where('grantee', '=', who)
        .orderBy('granted_at')
        .execute(),
    ]);
    return { given: given.map(storedOf), received: received.map(storedOf) };
  }

  /** The artifact is gone (or, with `owner`, that owner's claim on it): its grants with it. */
  async dropAll(cid: string, owner?: Address): Promise<void> {
    let query = this.db.deleteFrom('artifact_grants').where('cid', '=', cid);
    if (owner) query = query.where('owner', '=', owner.toLowerCase());
    await query.execute();
  }
}

function storedOf(row: ArtifactGrantsTable): StoredGrant {
  return {
    cid: row.cid,
    owner: getAddress(row.owner),
    grantee: getAddress(row.grantee),
    purpose: row.purpose,
    until: Number(row.until),
    wrappedKey: row.wrapped_key as Hex | null,
    grantedAt: Number(row.granted_at),
    grant: JSON.parse(row.grant) as unknown,
  };
}
