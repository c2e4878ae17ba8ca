import type { Kysely } from 'kysely';
import type { Address } from 'viem';
import { getAddress } from 'viem';
import type { GroupCommit } from './group-commit.js';
import type { Database } from './schema.js';

/** One provider's part in an erasure: told when, confirmed when, with its signed receipt (wire JSON). */
export interface ErasureNotice {
  cid: string;
  provider: Address;
  requestedAt: number;
  confirmedAt: number | null;
  receipt: unknown;
}

/** (cid, provider) pairs recorded lately, kept so that a module every job names costs no write per job. */
const REMEMBERED = 100_000;

/**
 * Where copies of artifacts went, and the erasure of each copy. A copy is recorded when a job
 * naming the artifact is assigned to a provider (it may fetch and cache it from then on). When
 * the artifact is erased, each of its copies becomes a notice that waits for the provider's
 * signed receipt; notices survive restarts, and a provider that was offline gets its own when it
 * is back.
 */
export class ArtifactCopies {
  readonly #recorded = new Set<string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupCommit<Database>,
  ) {}

  /** `provider` was given `cids`. In the same commit as the transitions of this turn. */
  async record(cids: readonly string[], provider: Address, now: number): Promise<void> {
    const fresh = cids.filter((cid) => !this.#recorded.has(pairOf(cid, provider)));
    if (fresh.length === 0) return;
    const rows = fresh.map((cid) => ({ cid, provider: provider.toLowerCase(), since: now }));
    await this.writes.write((trx) =>
      trx
        .insertInto('artifact_copies')
        .values(rows)
        .onConflict((conflict) => conflict.columns(['cid', 'provider']).doNothing())
        .execute(),
    );
    // Remembered once written: a write that failed is tried again with the next assignment.
    for (const cid of fresh) this.#remember(pairOf(cid, provider));
  }

  /** The artifact is erased: each copy becomes a notice to its provider. Returns those providers. */
  async erase(cid: string, now: number): Promise<Address[]> {
    for (const pair of [...this.#recorded]) if (pair.startsWith(`${cid}/`)) this.#recorded.delete(pair);
    return this.db.transaction().execute(async (trx) => {
      const copies = await trx
        .selectFrom('artifact_copies')
        .select('provider')
        .where('cid', '=', cid)
        .execute();
      if (copies.length > 0) {
        await trx
          .insertInto('erasure_receipts')
          .values(copies.map(({ provider }) => ({ cid, provider, requested_at: now })))
          .onConflict((conflict) =>
            conflict
              .columns(['cid', 'provider'])
              .doUpdateSet({ requested_at: now, confirmed_at: null, receipt: null }),
          )
          .execute();
        await trx.deleteFrom('artifact_copies').where('cid', '=', cid).execute();
      }
      return copies.map(({ provider }) => getAddress(provider));
    });
  }

  /** The erasures `provider` has not confirmed yet. */
  async pendingFor(provider: Address): Promise<string[]> {
    const rows = await this.db
      .selectFrom('erasure_receipts')
      .select('cid')
      .where('provider', '=', provider.toLowerCase())
      .where('confirmed_at', 'is', null)
      .execute();
    return rows.map((row) => row.cid);
  }

  /** Providers with erasures to confirm (the notices a pass retries). */
  async providersPending(): Promise<Address[]> {
    const rows = await this.db
      .selectFrom('erasure_receipts')
      .select('provider')
      .distinct()
      .where('confirmed_at', 'is', null)
      .execute();
    return rows.map((row) => getAddress(row.provider));
  }

  /** `provider`'s receipt for `cid` (already checked). */
  async confirm(cid: string, provider: Address, receipt: unknown, now: number): Promise<void> {
    await this.db
      .updateTable('erasure_receipts')
      .set({ confirmed_at: now, receipt: JSON.stringify(receipt) })
      .where('cid', '=', cid)
      .where('provider', '=', provider.toLowerCase())
      .execute();
  }

  /** Every provider's part in the erasure of `cid`. */
  async noticesOf(cid: string): Promise<ErasureNotice[]> {
    const rows = await this.db
      .selectFrom('erasure_receipts')
      .selectAll()
      .where('cid', '=', cid)
      .orderBy('provider')
      .execute();
    return rows.map((row) => ({
      cid,
      provider: getAddress(row.provider),
      requestedAt: Number(row.requested_at),
      confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
      receipt: row.receipt === null ? null : (JSON.parse(row.receipt) as unknown),
    }));
  }

  #remember(pair: string): void {
    this.#recorded.add(pair);
    if (this.#recorded.size > REMEMBERED) this.#recorded.delete(this.#recorded.values().next().value!);
  }
}

function pairOf(cid: string, provider: Address): string {
  return `${cid}/${provider.toLowerCase()}`;
}
