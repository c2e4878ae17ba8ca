import {
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  PRIVATE_JOB,
  parseMessage,
  type SignedMessage,
  signMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Address, getAddress, type Hex, toHex } from 'viem';
import type { LocalAccount } from 'viem/accounts';
import type { JobStore } from '../jobs/api.js';
import { isTerminal } from '../jobs/job-states.js';
import { JOB_MESSAGES } from '../jobs/wire.js';
import type { MessageChannel, PeerRef } from '../p2p/api.js';
import { publicKeyOfPeer } from '../p2p/identity.js';

/** A lease of a private job that waits for its secrets from the job's client. */
export interface LeaseKeyRequest {
  jobId: string;
  client: Address;
  provider: Address;
  /** The provider's compressed public key: what the client seals the secrets to. */
  providerKey: Hex;
  /** Present when the lease is a check of the job's answer by re-scoring (see CheckLease). */
  check?: CheckAnnouncement;
}

/** What a client is told of a check of its private job's answer, to decide to hand it keys. */
export interface CheckAnnouncement {
  /** The check's own job id: the lease secrets are sealed for it. */
  jobId: Hex;
  /** The check's JobSpec (wire form), signed by the coordinator's one-off key for it. */
  spec: unknown;
  /** The one-off key's compressed public key: the verdict is sealed to it, and it signed `spec`. */
  replyKey: Hex;
  /** The checked answer's key, wrapped to the client (its result manifest's `sealed.key`). */
  answerKey: Hex;
}

/** A check's lease: its keys come from the checked job's client, relayed under the check's own key. */
export interface CheckLease {
  /** The job checked, and its client (who holds the keys). */
  job: { id: string; client: Address };
  announcement: CheckAnnouncement;
  /** Signs the LeaseKeys the checker expects: from the check spec's client. */
  signer: LocalAccount;
}

export type LeaseKeyListener = (request: LeaseKeyRequest) => void;

interface Pending extends LeaseKeyRequest {
  /** The lease's own job id: the job's, or its check's. */
  leaseJobId: string;
  peer: PeerRef;
  expiresAt: number;
  signer?: LocalAccount;
}

/** Most leases waiting for keys at once; past it the oldest is dropped (its run fails for want of keys). */
const MAX_PENDING = 10_000;

/**
 * Relays a private job's secrets from its client to each provider leased to run it (first run,
 * replica, audit). The coordinator announces each lease to the client's event streams (`keys`
 * events, replayed to a stream that opens later) and forwards the client's signed, sealed
 * LeaseKeys to the provider. It can read none of it: the secrets are sealed to the provider.
 * Nothing is stored: a lease whose keys never come fails on its provider (LEASE_KEYS_MISSING).
 */
export class LeaseKeyRelay {
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<{ listener: LeaseKeyListener; job?: string; client?: string }>();

  constructor(
    private readonly deps: {
      store: JobStore;
      channel: MessageChannel;
      domain: NetworkDomain;
      now?: () => number;
    },
  ) {}

  /** A provider accepted a lease of `spec`: when the job is private, its client is asked for the keys. */
  leased(spec: JobSpec, provider: Address, peer: PeerRef, leaseExpiresAt: number, check?: CheckLease): void {
    if (spec.privacy !== PRIVATE_JOB) return;
    this.#sweep();
    const request: Pending = {
      jobId: (check?.job.id ?? spec.jobId).toLowerCase(),
      leaseJobId: spec.jobId.toLowerCase(),
      client: check?.job.client ?? spec.client,
      provider,
      providerKey: toHex(publicKeyOfPeer(peer)),
      peer,
      expiresAt: leaseExpiresAt,
      ...(check ? { check: check.announcement, signer: check.signer } : {}),
    };
    this.#pending.set(keyOf(request.leaseJobId, provider), request);
    if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
    const announced = publicOf(request);
    for (const entry of [...this.#listeners]) {
      if (matches(entry, announced)) entry.listener(announced);
    }
  }

  /**
   * A provider (re)joined holding these jobs: the private ones among them wait for keys again (a
   * restarted coordinator knew of none), announced to their clients' streams. A provider that
   * already has a lease's keys takes the same keys again, or refuses them once the run is over.
   */
  held(
    jobs: readonly { spec: unknown; leaseExpiresAt: number | null }[],
    provider: Address,
    peer: PeerRef,
  ): void {
    for (const job of jobs) {
      const spec = parseMessage('JobSpec', (job.spec as { message: unknown }).message);
      this.leased(spec, provider, peer, job.leaseExpiresAt ?? this.#now() + 60_000);
    }
  }

  /**
   * Listens for the leases of one job's (or one client's) private jobs; the leases already waiting
   * are given at once. Returns the unsubscribe function.
   */
  subscribe(listener: LeaseKeyListener, interest: { job?: string; client?: string }): () => void {
    const entry = {
      listener,
      ...(interest.job === undefined ? {} : { job: interest.job.toLowerCase() }),
      ...(interest.client === undefined ? {} : { client: interest.client.toLowerCase() }),
    };
    this.#listeners.add(entry);
    this.#sweep();
    for (const pending of this.#pending.values()) {
      const request = publicOf(pending);
      if (matches(entry, request)) listener(request);
    }
    return () => this.#listeners.delete(entry);
  }

  /**
   * A client's LeaseKeys for job `jobId` (or for a check of it): checked (signed by the job's
   * client, for a lease that waits for keys) and forwarded to the provider, which checks them
   * again and opens them. A check's keys go on under the check's own key, the client the checker
   * knows; the sealed secrets are the client's, unchanged.
   */
  async deliver(jobId: string, signed: unknown): Promise<{ delivered: true; provider: Address }> {
    const verified = await verifySignedMessage(this.deps.domain, signed, { kind: 'LeaseKeys' });
    const { message } = verified;
    const pending = this.#pending.get(keyOf(message.jobId, message.provider));
    const leaseOf = pending?.jobId ?? message.jobId.toLowerCase();
    if (leaseOf !== jobId.toLowerCase()) {
      throw new IdlegridError('INVALID_ARGUMENT', `the keys are for job ${message.jobId}, not ${jobId}`);
    }
    const job = await this.deps.store.get(jobId);
    if (getAddress(job.client) !== message.client) {
      throw new IdlegridError('NOT_AUTHORIZED', `only the client of job ${job.id} gives its keys`, {
        details: { jobId: job.id, signer: message.client },
      });
    }
    if (!pending || isTerminal(job.state) || pending.expiresAt < this.#now()) {
      throw new IdlegridError(
        'LEASE_NOT_FOUND',
        `no lease of job ${job.id} on ${message.provider} waits for keys`,
        {
          details: { jobId: job.id, provider: message.provider },
        },
      );
    }
    const keys: SignedMessage<'LeaseKeys'> = pending.signer
      ? await signMessage(pending.signer, this.deps.domain, 'LeaseKeys', {
          ...message,
          client: pending.signer.address,
        })
      : { kind: 'LeaseKeys', message, signature: verified.signature };
    await this.deps.channel.request(pending.peer, JOB_MESSAGES.keys, { keys }, { timeoutMs: 10_000 });
    this.#pending.delete(keyOf(pending.leaseJobId, message.provider));
    return { delivered: true, provider: message.provider };
  }

  /** The job is over: none of its leases (nor its checks') waits any more. */
  ended(jobId: string): void {
    const id = jobId.toLowerCase();
    for (const [key, pending] of this.#pending) if (pending.jobId === id) this.#pending.delete(key);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, pending] of this.#pending) if (pending.expiresAt < now) this.#pending.delete(key);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function keyOf(jobId: string, provider: Address): string {
  return `${jobId.toLowerCase()}/${provider.toLowerCase()}`;
}

function publicOf({ jobId, client, provider, providerKey, check }: Pending): LeaseKeyRequest {
  return { jobId, client, provider, providerKey, ...(check ? { check } : {}) };
}

function matches(entry: { job?: string; client?: string }, request: LeaseKeyRequest): boolean {
  if (entry.job !== undefined && entry.job !== request.jobId) return false;
  return entry.client === undefined || entry.client === request.client.toLowerCase();
}
