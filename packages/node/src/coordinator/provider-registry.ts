import type { Heartbeat, Offer } from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { Candidate } from '../market/matcher.js';
import type { PeerRef } from '../p2p/api.js';

export interface ProviderEntry {
  address: Address;
  peer: PeerRef;
  offer: Offer;
  lastSeen: number;
  heartbeat: Heartbeat | null;
  activeJobs: number;
  jobsCompleted: number;
  jobsFailed: number;
}

/**
 * Providers this coordinator knows, from their verified offers and heartbeats. A provider
 * is online while its offer is unexpired and it was seen within the liveness window.
 */
export class ProviderRegistry {
  readonly #providers = new Map<Address, ProviderEntry>();

  constructor(private readonly livenessMs: number) {}

  upsertOffer(peer: PeerRef, offer: Offer, now: number): ProviderEntry {
    const existing = this.#providers.get(offer.provider);
    const entry: ProviderEntry = existing
      ? { ...existing, peer, offer, lastSeen: now }
      : {
          address: offer.provider,
          peer,
          offer,
          lastSeen: now,
          heartbeat: null,
          activeJobs: 0,
          jobsCompleted: 0,
          jobsFailed: 0,
        };
    this.#providers.set(offer.provider, entry);
    return entry;
  }

  recordHeartbeat(heartbeat: Heartbeat, now: number): void {
    const entry = this.#providers.get(heartbeat.provider);
    if (!entry) return;
    entry.heartbeat = heartbeat;
    entry.lastSeen = now;
  }

  /**
   * The provider said hello holding `count` jobs: its count starts there (a restarted
   * coordinator knows of none; each held job still ends in a result or a retry that counts it
   * down).
   */
  recordHeldJobs(address: Address, count: number): void {
    const entry = this.#providers.get(address);
    if (entry) entry.activeJobs = count;
  }

  get(address: Address): ProviderEntry | undefined {
    return this.#providers.get(address);
  }

  isOnline(address: Address, now: number): boolean {
    const entry = this.#providers.get(address);
    return (
      entry !== undefined &&
      now - entry.lastSeen <= this.livenessMs &&
      entry.offer.expiry * 1000n >= BigInt(now)
    );
  }

  /** Online providers as matching candidates. */
  candidates(now: number): Candidate[] {
    return this.list()
      .filter((entry) => this.isOnline(entry.address, now))
      .map((entry) => ({ provider: entry.address, offer: entry.offer, activeJobs: entry.activeJobs }));
  }

  list(): ProviderEntry[] {
    return [...this.#providers.values()];
  }

  adjust(
    address: Address,
    change: Partial<Record<'activeJobs' | 'jobsCompleted' | 'jobsFailed', number>>,
  ): void {
    const entry = this.#providers.get(address);
    if (!entry) return;
    entry.activeJobs = Math.max(0, entry.activeJobs + (change.activeJobs ?? 0));
    entry.jobsCompleted += change.jobsCompleted ?? 0;
    entry.jobsFailed += change.jobsFailed ?? 0;
  }
}
