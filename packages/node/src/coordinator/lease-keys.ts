import {
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  PRIVATE_JOB,
  parseMessage,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type Address, getAddress, type Hex, toHex } from 'viem';
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
}

export type LeaseKeyListener = (request: LeaseKeyRequest) => void;

interface Pending extends LeaseKeyRequest {
  peer: PeerRef;
  expiresAt: number;
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
  leased(spec: JobSpec, provider: Address, peer: PeerRef, leaseExpiresAt: number): void {
    if (spec.privacy !== PRIVATE_JOB) return;
    this.#sweep();
    const request: Pending = {
      jobId: spec.jobId.toLowerCase(),
      client: spec.client,
      provider,
      providerKey: toHex(publicKeyOfPeer(peer)),
      peer,
      expiresAt: leaseExpiresAt,
    };
    this.#pending.set(keyOf(request.jobId, provider), request);
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
   * A client's LeaseKeys for job `jobId`: checked (signed by the job's client, for a lease that
   * waits for keys) and forwarded to the provider, which checks them again and opens them.
   */
  async deliver(jobId: string, signed: unknown): Promise<{ delivered: true; provider: Address }> {
    const verified = await verifySignedMessage(this.deps.domain, signed, { kind: 'LeaseKeys' });
    const { message } = verified;
    if (message.jobId.toLowerCase() !== jobId.toLowerCase()) {
      throw new IdlegridError('INVALID_ARGUMENT', `the keys are for job ${message.jobId}, not ${jobId}`);
    }
    const job = await this.deps.store.get(jobId);
    if (getAddress(job.client) !== message.client) {
      throw new IdlegridError('NOT_AUTHORIZED', `only the client of job ${job.id} gives its keys`, {
        details: { jobId: job.id, signer: message.client },
      });
    }
    const pending = this.#pending.get(keyOf(job.id, message.provider));
    if (!pending || isTerminal(job.state) || pending.expiresAt < this.#now()) {
      throw new IdlegridError(
        'LEASE_NOT_FOUND',
        `no lease of job ${job.id} on ${message.provider} waits for keys`,
        {
          details: { jobId: job.id, provider: message.provider },
        },
      );
    }
    const keys: SignedMessage<'LeaseKeys'> = { kind: 'LeaseKeys', message, signature: verified.signature };
    await this.deps.channel.request(pending.peer, JOB_MESSAGES.keys, { keys }, { timeoutMs: 10_000 });
    this.#pending.delete(keyOf(job.id, message.provider));
    return { delivered: true, provider: message.provider };
  }

  /** The job is over: none of its leases waits any more. */
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

function publicOf({ jobId, client, provider, providerKey }: Pending): LeaseKeyRequest {
  return { jobId, client, provider, providerKey };
}

function matches(entry: { job?: string; client?: string }, request: LeaseKeyRequest): boolean {
  if (entry.job !== undefined && entry.job !== request.jobId) return false;
  return entry.client === undefined || entry.client === request.client.toLowerCase();
}
