import {
  type JobSpec,
  type NetworkDomain,
  type SignedMessage,
  signMessage,
  type TypedDataSigner,
} from '@idlegrid/protocol';
import type { Address } from 'viem';

/**
 * How long a provider may take an assignment after it is signed: it arrives within a round trip,
 * so two minutes leave room for slow links and clock skew. Each provider remembers every
 * assignment it took for this long (its replay guard), so a longer window costs memory at every
 * provider in proportion to its job rate.
 */
const ASSIGNMENT_VALIDITY_SECONDS = 120;

/** The `job.assign` body's optional parts. */
export interface AssignExtras {
  commitReveal?: boolean;
  inputs?: Record<string, string>;
}

/** Signs the coordinator's assignments (first runs, audits, arbiters) with nonces unique per coordinator run. */
export class AssignmentSigner {
  #nonce = 0n;
  /**
   * This coordinator's HTTP API, once it listens: told in every assignment, so that a provider
   * joined to another coordinator of the mesh fetches and uploads here.
   */
  apiUrl: string | undefined;

  constructor(
    private readonly signer: TypedDataSigner,
    private readonly domain: NetworkDomain,
  ) {}

  sign(
    spec: JobSpec,
    provider: Address,
    leaseExpiryMs: number,
    nowMs: number,
  ): Promise<SignedMessage<'Assignment'>> {
    this.#nonce = this.#nonce === 0n ? BigInt(Date.now()) * 1_000_000n : this.#nonce + 1n;
    return signMessage(this.signer, this.domain, 'Assignment', {
      coordinator: this.signer.address,
      jobId: spec.jobId,
      provider,
      price: spec.maxPrice,
      leaseExpiry: BigInt(Math.floor(leaseExpiryMs / 1000)),
      nonce: this.#nonce,
      expiry: BigInt(Math.floor(nowMs / 1000) + ASSIGNMENT_VALIDITY_SECONDS),
    });
  }

  /** A `job.assign` message: the signed assignment, the client's spec as signed, and this coordinator's API. */
  body(assignment: SignedMessage<'Assignment'>, spec: unknown, extras: AssignExtras = {}) {
    return { assignment, spec, ...extras, ...(this.apiUrl ? { apiUrl: this.apiUrl } : {}) };
  }
}
