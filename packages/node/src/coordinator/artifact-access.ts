import { IdlegridError, type JobSpec, parseCid } from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import type { ArtifactGrants } from '../store/artifact-grants.js';
import type { ArtifactOwners } from '../store/artifact-owners.js';

/**
 * Who may read and use an owned artifact: an owner, a grantee whose grant is in force (for a job,
 * a grant for any use or for `job`), and, to read it only, a provider leased a job that names it,
 * until its lease ends. Artifacts nobody owns (anonymous uploads, results) stay open to anyone who
 * knows their CID. Which CIDs are owned is kept in memory, so that a job naming only anonymous
 * artifacts costs no query.
 */
export class ArtifactAccess {
  #owned = new Set<string>();
  /** Providers' leases on owned artifacts: CID -> provider -> until (ms). */
  readonly #leases = new Map<string, Map<string, number>>();

  constructor(
    private readonly deps: { owners: ArtifactOwners; grants: ArtifactGrants; now?: () => number },
  ) {}

  /** Reads which artifacts are owned (once, at start). */
  async load(): Promise<void> {
    this.#owned = new Set(await this.deps.owners.ownedCids());
  }

  isOwned(cid: string): boolean {
    return this.#owned.has(canonical(cid));
  }

  claimed(cid: string): void {
    this.#owned.add(cid);
  }

  /** The bytes are gone: no lease reads them any more. */
  destroyed(cid: string): void {
    this.#owned.delete(cid);
    this.#leases.delete(cid);
  }

  /** A job naming these artifacts was assigned to `provider` until `untilMs`: it may read the owned ones until then. */
  leased(spec: JobSpec, provider: Address, untilMs: number): void {
    if (this.#leases.size > 1_000) this.#sweep();
    for (const cid of [spec.moduleCid, ...spec.inputCids].map(canonical)) {
      if (!this.#owned.has(cid)) continue;
      const leases = this.#leases.get(cid) ?? new Map<string, number>();
      this.#leases.set(cid, leases);
      leases.set(provider.toLowerCase(), Math.max(untilMs, leases.get(provider.toLowerCase()) ?? 0));
    }
  }

  /** Drops the leases that ended. */
  #sweep(): void {
    const now = this.#now();
    for (const [cid, leases] of this.#leases) {
      for (const [provider, until] of leases) if (until < now) leases.delete(provider);
      if (leases.size === 0) this.#leases.delete(cid);
    }
  }

  /** ARTIFACT_ACCESS_DENIED unless `requester` may read `cid` (an owned one). */
  async checkRead(spelled: string, requester: Address): Promise<void> {
    const cid = canonical(spelled);
    if (!this.#owned.has(cid)) return;
    const leased = this.#leases.get(cid)?.get(requester.toLowerCase());
    if (leased !== undefined && leased >= this.#now()) return;
    if (await this.#ownerOrGrantee(cid, requester, undefined)) return;
    throw denied(cid, requester, 'read');
  }

  /** ARTIFACT_ACCESS_DENIED unless the job's client may use every owned artifact the job names. */
  async checkJob(spec: JobSpec): Promise<void> {
    for (const cid of [spec.moduleCid, ...spec.inputCids].map(canonical)) {
      if (this.#owned.has(cid) && !(await this.#ownerOrGrantee(cid, spec.client, 'job')))
        throw denied(cid, spec.client, 'use in a job');
    }
  }

  /** The artifact key wrapped to `requester`: an owner's own, or a grant's; null for one stored in the clear. */
  async wrappedKeyFor(cid: string, requester: Address): Promise<Hex | null> {
    const claim = await this.deps.owners.claimOf(cid, requester);
    if (claim) return claim.wrappedKey;
    const grants = await this.deps.grants.inForce(cid, requester, this.#nowSeconds());
    const granted = grants.find((grant) => grant.wrappedKey !== null);
    if (granted) return granted.wrappedKey;
    if (grants.length > 0) return null;
    throw new IdlegridError('ARTIFACT_NOT_OWNER', `${requester} neither owns nor holds a grant on ${cid}`, {
      details: { cid, requester },
    });
  }

  async #ownerOrGrantee(cid: string, requester: Address, purpose: string | undefined): Promise<boolean> {
    if (await this.deps.owners.claimOf(cid, requester)) return true;
    const grants = await this.deps.grants.inForce(cid, requester, this.#nowSeconds());
    return grants.some((grant) => purpose === undefined || grant.purpose === '' || grant.purpose === purpose);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}

/** The canonical spelling of a CID (the store's); anything that is no CID as it is. */
function canonical(cid: string): string {
  try {
    return parseCid(cid).toString();
  } catch {
    return cid;
  }
}

function denied(cid: string, requester: Address, what: string): IdlegridError {
  return new IdlegridError(
    'ARTIFACT_ACCESS_DENIED',
    `${requester} may not ${what} ${cid}: it needs the owner's signature, a grant in force, or a lease naming it`,
    { details: { cid, requester } },
  );
}
