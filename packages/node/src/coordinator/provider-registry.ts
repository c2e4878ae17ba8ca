import type { Heartbeat, JobSpec, Offer, ResultManifest } from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import { CollusionFindings, type CollusionSnapshot } from '../integrity/collusion/findings.js';
import {
  type ChallengeVerdict,
  type ClaimRecord,
  FAILED_AFTER,
  HardwareClaims,
} from '../integrity/hardware/claims.js';
import { chargeFor } from '../market/pricing.js';
import type { PeerRef } from '../p2p/api.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { type Outcome, ReputationBook } from '../verify/reputation.js';
import { profileOf } from './scheduler-views.js';

export interface ProviderEntry {
  address: Address;
  peer: PeerRef;
  offer: Offer;
  lastSeen: number;
  heartbeat: Heartbeat | null;
  jobsCompleted: number;
  jobsFailed: number;
  /** Bonded stake from the chain; undefined without chain checks. */
  stake: bigint | undefined;
  /** Smoothed round trip measured by this coordinator, ms. */
  rttMs: number | undefined;
  /**
   * The peer id of the coordinator it is joined to, when that is another coordinator of the
   * mesh: it was heard of through the mesh, and is reached through that coordinator's relay.
   * Undefined for a provider joined here.
   */
  via: PeerRef | undefined;
}

const SUSPENSION_MS = 3_600_000;
/** Heartbeats kept per provider for its telemetry history (10 minutes at the default period). */
const TELEMETRY_POINTS = 120;

/** One heartbeat's telemetry, when it arrived. */
export interface TelemetryPoint {
  at: number;
  cpuLoadPermille: number;
  memoryFreeMb: number;
  activeJobs: number;
}

/**
 * Providers this coordinator knows, from their verified offers and heartbeats, kept in step
 * with the scheduler's view. A provider is online while its offer is unexpired and it was
 * seen within the liveness window; `sweep` tells the scheduler of those that went silent.
 */
/** A provider punished here: what the mesh is told (see punishment.ts). */
export interface ProviderPunished {
  provider: Address;
  reason: string;
  evidenceHash: Hex;
}

export class ProviderRegistry {
  readonly #providers = new Map<Address, ProviderEntry>();
  readonly reputation = new ReputationBook();
  /** Its hardware claims, and what proof-of-hardware challenges made of them. */
  readonly claims = new HardwareClaims();
  /** Suspected rings and wash traders (see coordinator/collusion-scan.ts). */
  readonly collusion = new CollusionFindings();
  /** How often each provider was found cheating (the scheduler holds its suspension). */
  readonly #offences = new Map<Address, number>();
  /** Until when each punished provider is suspended: kept for one that is not (or no longer) joined here. */
  readonly #suspendedUntil = new Map<Address, number>();
  readonly #punishedListeners = new Set<(punishment: ProviderPunished) => void>();
  readonly #telemetry = new Map<Address, TelemetryPoint[]>();
  /** Providers whose connection closed: none of them is offered a job until it says hello or beats again. */
  readonly #disconnected = new Set<Address>();

  constructor(
    private readonly livenessMs: number,
    readonly scheduler: Scheduler,
  ) {}

  /**
   * A provider's offer: from the provider itself (joined here), or relayed by the coordinator
   * `via` (joined there). A provider joined here is not taken for another's while it is online.
   */
  upsertOffer(
    peer: PeerRef,
    offer: Offer,
    now: number,
    stake: bigint | undefined,
    via?: PeerRef,
  ): ProviderEntry | undefined {
    const existing = this.#providers.get(offer.provider);
    if (via !== undefined && existing && existing.via === undefined && this.isOnline(existing.address, now))
      return undefined;
    const entry: ProviderEntry = existing
      ? { ...existing, peer, offer, lastSeen: now, stake, via }
      : {
          address: offer.provider,
          peer,
          offer,
          lastSeen: now,
          heartbeat: null,
          jobsCompleted: 0,
          jobsFailed: 0,
          stake,
          rttMs: undefined,
          via,
        };
    this.#providers.set(offer.provider, entry);
    this.#disconnected.delete(entry.address);
    this.#updateProfile(entry, now);
    this.scheduler.setOnline(entry.address, now);
    // A suspension decided before it joined (here, or elsewhere in the mesh) holds.
    const suspended = this.#suspendedUntil.get(entry.address);
    if (suspended !== undefined && suspended > now) this.scheduler.suspend(entry.address, suspended);
    return entry;
  }

  /** A heartbeat from the provider (`relayed`: through the mesh, which counts only for one joined elsewhere). */
  recordHeartbeat(heartbeat: Heartbeat, now: number, relayed = false): void {
    const entry = this.#providers.get(heartbeat.provider);
    if (!entry || (relayed && entry.via === undefined)) return;
    entry.heartbeat = heartbeat;
    entry.lastSeen = now;
    this.#disconnected.delete(entry.address);
    this.#keepTelemetry(entry.address, heartbeat, now);
    this.scheduler.setOnline(entry.address, now);
    this.scheduler.recordTelemetry(
      entry.address,
      {
        cpuLoad: heartbeat.cpuLoadPermille / 1000,
        memoryFree: heartbeat.memoryFreeMb / Math.max(1, entry.offer.memoryMb),
        localHour: new Date(now).getUTCHours() + new Date(now).getUTCMinutes() / 60,
      },
      now,
    );
  }

  #keepTelemetry(address: Address, heartbeat: Heartbeat, now: number): void {
    const points = this.#telemetry.get(address) ?? [];
    points.push({
      at: now,
      cpuLoadPermille: heartbeat.cpuLoadPermille,
      memoryFreeMb: heartbeat.memoryFreeMb,
      activeJobs: heartbeat.activeJobs,
    });
    if (points.length > TELEMETRY_POINTS) points.shift();
    this.#telemetry.set(address, points);
  }

  /** The provider's recent heartbeats, oldest first. */
  telemetry(address: Address): readonly TelemetryPoint[] {
    return this.#telemetry.get(address) ?? [];
  }

  /** A round trip this coordinator measured (smoothed, so one slow reply does not exclude it). */
  recordRtt(address: Address, ms: number, now: number): void {
    const entry = this.#providers.get(address);
    if (!entry) return;
    entry.rttMs = entry.rttMs === undefined ? ms : 0.8 * entry.rttMs + 0.2 * ms;
    this.#updateProfile(entry, now);
  }

  /**
   * A proof-of-hardware verdict: a failure costs reputation, and a claim failed (see
   * HardwareClaims) stops counting for the scheduler. Says whether this failure slashes.
   */
  recordChallenge(
    address: Address,
    verdict: ChallengeVerdict,
    now: number,
  ): { record: ClaimRecord; slash: boolean } {
    const recorded = this.claims.record(address, verdict);
    // Like the claim's status, reputation forgives one slow answer (a busy moment): it pays from the second in a row.
    if (recorded.record.consecutiveFailures >= FAILED_AFTER && verdict.group.length === 0)
      this.reputation.record(address, 'claimFailed');
    const entry = this.#providers.get(address);
    if (entry) this.#updateProfile(entry, now);
    return recorded;
  }

  /**
   * A job ended on the provider: its record, and so its reputation, changes. A job of a
   * suspected wash trader (`client`) counts, but earns no reputation: that is what it farms.
   */
  recordOutcome(address: Address, outcome: Outcome, now: number, client?: Address): void {
    const entry = this.#providers.get(address);
    if (!entry) return;
    const success = outcome === 'completed' || outcome === 'verified';
    if (success) entry.jobsCompleted++;
    else entry.jobsFailed++;
    if (!success || client === undefined || this.collusion.earnsReputation(client))
      this.reputation.record(address, outcome);
    this.#updateProfile(entry, now);
    if (outcome === 'disputeLost') this.#suspend(address, now);
  }

  /**
   * A provider proven wrong gets no new work for an hour, doubling with each further offence:
   * the slash makes cheating a loss, and this stops a cheater that does not care from being
   * handed the next client's job (it could be that job's only unchecked run).
   */
  #suspend(address: Address, now: number): void {
    const count = (this.#offences.get(address) ?? 0) + 1;
    this.#offences.set(address, count);
    const until = now + SUSPENSION_MS * 2 ** Math.min(16, count - 1);
    this.#suspendedUntil.set(address, until);
    this.scheduler.suspend(address, until);
  }

  /**
   * Another coordinator of the mesh punished this provider: it loses the same reputation and is
   * suspended here too, now or when it joins (a provider that moves does not leave its record).
   */
  /** Listens for the providers punished here (to tell the mesh); returns the unsubscribe function. */
  onPunished(listener: (punishment: ProviderPunished) => void): () => void {
    this.#punishedListeners.add(listener);
    return () => this.#punishedListeners.delete(listener);
  }

  /** A provider was punished here (see punishment.ts): the listeners hear of it. */
  punished(punishment: ProviderPunished): void {
    for (const listener of this.#punishedListeners) listener(punishment);
  }

  punishedElsewhere(address: Address, now: number): void {
    this.reputation.record(address, 'disputeLost');
    this.#suspend(address, now);
  }

  /** A new collusion scan: every provider's reputation and placement risk follow it. */
  applyCollusion(snapshot: CollusionSnapshot, now: number): void {
    this.collusion.update(snapshot);
    for (const entry of this.#providers.values()) this.#updateProfile(entry, now);
  }

  /** The reputation placement sees: the record's, less the share held back from a suspect. */
  effectiveReputation(address: Address): number {
    return this.reputation.score(address) * (1 - this.collusion.suspicion(address));
  }

  /** Marks providers unseen for longer than the liveness window offline, as dropped out. */
  sweep(now: number): void {
    for (const entry of this.#providers.values()) {
      if (!this.isOnline(entry.address, now) && this.scheduler.isOnline(entry.address)) {
        this.scheduler.setOffline(entry.address, now, true);
      }
    }
  }

  /**
   * The provider's connection closed (it stopped, crashed or lost the network): it is offline at
   * once, not after the liveness window, so that no job goes to a provider that is not there. Its
   * leased jobs keep their leases: one that reconnects in time keeps them.
   */
  disconnected(address: Address, now: number): void {
    if (!this.#providers.has(address)) return;
    this.#disconnected.add(address);
    if (this.scheduler.isOnline(address)) this.scheduler.setOffline(address, now, true);
  }

  get(address: Address): ProviderEntry | undefined {
    return this.#providers.get(address);
  }

  /** How many providers joined here are online now. */
  onlineCount(now: number): number {
    let online = 0;
    for (const entry of this.#providers.values())
      if (entry.via === undefined && this.isOnline(entry.address, now)) online++;
    return online;
  }

  /** Punished here or elsewhere in the mesh, and not yet let back. */
  isSuspended(address: Address, now: number): boolean {
    return (this.#suspendedUntil.get(address) ?? 0) > now;
  }

  isOnline(address: Address, now: number): boolean {
    const entry = this.#providers.get(address);
    return (
      entry !== undefined &&
      !this.#disconnected.has(address) &&
      now - entry.lastSeen <= this.livenessMs &&
      entry.offer.expiry * 1000n >= BigInt(now)
    );
  }

  /** What the client pays for a run (its manifest) on the provider: its offer's prices, or the job's max price if the offer is gone. */
  charge(address: Address, spec: JobSpec, run: Pick<ResultManifest, 'durationMs' | 'tokens'>): bigint {
    const offer = this.#providers.get(address)?.offer;
    return offer ? chargeFor(spec, offer, run) : spec.maxPrice;
  }

  /** Jobs the scheduler holds on the provider. */
  activeJobs(address: Address): number {
    return this.scheduler.jobsOn(address);
  }

  list(): ProviderEntry[] {
    return [...this.#providers.values()];
  }

  #updateProfile(entry: ProviderEntry, now: number): void {
    this.scheduler.upsertProvider(
      profileOf(entry.offer, {
        stake: entry.stake,
        rttMs: entry.rttMs,
        reputation: this.effectiveReputation(entry.address),
        proven: this.claims.proven(entry.address),
        suspicion: this.collusion.suspicion(entry.address),
      }),
      now,
    );
  }
}
