import { exclusionOf } from '../market/constraints.js';
import { costPerSecond } from '../market/pricing.js';
import type {
  ExclusionReason,
  JobRequest,
  PlacementOutcome,
  PolicyName,
  ProviderProfile,
  Telemetry,
} from './api.js';
import { FailurePredictor } from './failure-predictor.js';
import { RuntimePredictor } from './runtime-predictor.js';
import { DEFAULT_WEIGHTS, predict, rank, type ScoreWeights, type ScoringContext } from './scoring.js';

export interface SchedulerOptions {
  policy: PolicyName;
  /** A provider's stake must cover the job's max price this many times. */
  stakeFactor?: number;
  /** How many eligible providers, taken in the index's order, a placement compares. */
  shortlist?: number;
  /** The heartbeat period: the failure predictor's time step. */
  heartbeatMs?: number;
  /** How long a vanished provider goes unnoticed (the lease), ms. */
  detectionMs?: number;
  weights?: ScoreWeights;
  /** Re-sort the index at most this often, ms of the scheduler's clock. */
  resortMs?: number;
  /** One-way client-to-provider latency; default the provider's measured round trip / 2. */
  latencyMs?: (job: JobRequest, provider: ProviderProfile) => number;
  random?: () => number;
}

interface Slot {
  profile: ProviderProfile;
  online: boolean;
  usedCores: number;
  usedMemoryMb: number;
  usedGpus: number;
  jobs: number;
  key: number;
}

interface Reservation {
  slot: Slot;
  job: JobRequest;
  cores: number;
}

/**
 * Places jobs on providers. Keeps, per runtime, the providers in the order of the policy's
 * score for a typical job of that runtime (refreshed every `resortMs`), scans that order for
 * the first `shortlist` providers that meet every constraint and have room, and scores those
 * exactly: a placement among 10,000 providers touches a few dozen. Reservations are per job,
 * so releasing one twice is harmless and nothing stays reserved after a job ends. The same
 * class runs in the coordinator and in the simulator.
 */
export class Scheduler {
  readonly runtimes = new RuntimePredictor();
  readonly failures: FailurePredictor;
  readonly #slots = new Map<string, Slot>();
  readonly #byRuntime = new Map<string, Slot[]>();
  readonly #typicalJob = new Map<string, JobRequest>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #scoring: ScoringContext;
  readonly #stakeFactor: number;
  readonly #shortlist: number;
  readonly #resortMs: number;
  readonly #random: () => number;
  #sortedAt = Number.NEGATIVE_INFINITY;
  #indexStale = true;

  constructor(readonly options: SchedulerOptions) {
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    this.failures = new FailurePredictor({ intervalMs: heartbeatMs });
    this.#stakeFactor = options.stakeFactor ?? 2;
    this.#shortlist = options.policy === 'random' ? 1 : (options.shortlist ?? 16);
    this.#resortMs = options.resortMs ?? 10_000;
    this.#random = options.random ?? Math.random;
    this.#scoring = {
      runtimes: this.runtimes,
      failures: this.failures,
      latencyMs: options.latencyMs ?? ((_, provider) => (provider.rttMs ?? 0) / 2),
      detectionSeconds: (options.detectionMs ?? 15_000) / 1000,
      weights: options.weights ?? DEFAULT_WEIGHTS,
    };
  }

  /** Adds a provider or replaces its offer (its running reservations stay). */
  upsertProvider(profile: ProviderProfile, nowMs: number): void {
    const slot = this.#slots.get(profile.address);
    if (slot) {
      const runtimesChanged = slot.profile.runtimes.join() !== profile.runtimes.join();
      slot.profile = profile;
      if (runtimesChanged) this.#indexStale = true;
      return;
    }
    this.#slots.set(profile.address, {
      profile,
      online: true,
      usedCores: 0,
      usedMemoryMb: 0,
      usedGpus: 0,
      jobs: 0,
      key: 0,
    });
    this.failures.recordOnline(profile.address, nowMs);
    this.#indexStale = true;
  }

  profile(address: string): ProviderProfile | undefined {
    return this.#slots.get(address)?.profile;
  }

  setOnline(address: string, nowMs: number): void {
    const slot = this.#slots.get(address);
    if (!slot || slot.online) return;
    slot.online = true;
    this.failures.recordOnline(address, nowMs);
  }

  /**
   * The provider left. `crashed`: without notice (it counts against it in the failure
   * model). Returns the ids of the jobs still reserved on it, for the caller to retry.
   */
  setOffline(address: string, nowMs: number, crashed: boolean): string[] {
    const slot = this.#slots.get(address);
    if (!slot) return [];
    if (slot.online && crashed) this.failures.recordDisconnect(address, nowMs);
    slot.online = false;
    const lost: string[] = [];
    for (const [jobId, reservation] of this.#reservations) if (reservation.slot === slot) lost.push(jobId);
    return lost;
  }

  isOnline(address: string): boolean {
    return this.#slots.get(address)?.online ?? false;
  }

  recordTelemetry(address: string, telemetry: Telemetry, nowMs: number): void {
    if (this.#slots.has(address)) this.failures.recordTelemetry(address, telemetry, nowMs);
  }

  /**
   * Chooses a provider for the job and reserves its resources there, or says why none fits
   * (how many providers each constraint excluded).
   */
  place(job: JobRequest, nowMs: number, excluded?: ReadonlySet<string>): PlacementOutcome {
    if (!this.#typicalJob.has(job.runtime)) this.#indexStale = true;
    this.#typicalJob.set(job.runtime, job);
    this.#refreshIndex(nowMs);
    const list = this.#byRuntime.get(job.runtime) ?? [];
    const shortlist: Slot[] = [];
    const start = this.options.policy === 'random' ? Math.floor(this.#random() * list.length) : 0;
    for (let i = 0; i < list.length && shortlist.length < this.#shortlist; i++) {
      const slot = list[(start + i) % list.length]!;
      if (this.#fits(slot, job, nowMs, excluded)) shortlist.push(slot);
    }
    if (shortlist.length === 0) return this.#explainUnmatched(job, nowMs, excluded);
    const scores = shortlist.map((slot) => predict(this.#scoring, job, slot.profile));
    rank(
      this.options.policy,
      job,
      scores,
      shortlist.map((slot) => slot.profile),
      this.#scoring.weights,
    );
    let best = 0;
    for (let i = 1; i < scores.length; i++) {
      const difference = scores[i]!.score - scores[best]!.score;
      if (difference < 0 || (difference === 0 && loadOf(shortlist[i]!) < loadOf(shortlist[best]!))) best = i;
    }
    this.reserve(job, shortlist[best]!.profile.address);
    const runnersUp = scores
      .filter((_, i) => i !== best)
      .sort((a, b) => a.score - b.score)
      .slice(0, 3);
    return {
      placed: true,
      provider: shortlist[best]!.profile.address,
      decision: {
        policy: this.options.policy,
        considered: scores.length,
        chosen: scores[best]!,
        runnersUp,
      },
    };
  }

  /** Holds the job's resources on the provider (placement does this; so does a provider that lists a job it still runs). */
  reserve(job: JobRequest, address: string): void {
    const slot = this.#slots.get(address);
    if (!slot || this.#reservations.has(job.id)) return;
    const cores = Math.max(1, job.cpuCores);
    slot.usedCores += cores;
    slot.usedMemoryMb += job.memoryMb;
    if (job.gpu !== '') slot.usedGpus += 1;
    slot.jobs += 1;
    this.#reservations.set(job.id, { slot, job, cores });
  }

  /** Frees what the job held. Safe to call for a job that holds nothing. */
  release(jobId: string): void {
    const reservation = this.#reservations.get(jobId);
    if (!reservation) return;
    this.#reservations.delete(jobId);
    const { slot, job, cores } = reservation;
    slot.usedCores -= cores;
    slot.usedMemoryMb -= job.memoryMb;
    if (job.gpu !== '') slot.usedGpus -= 1;
    slot.jobs -= 1;
  }

  /** The job ran to the end in `runSeconds`: the runtime model learns from it; its resources free up. */
  recordCompletion(jobId: string, runSeconds: number): void {
    const reservation = this.#reservations.get(jobId);
    if (reservation) this.runtimes.observe(reservation.job, reservation.slot.profile, runSeconds);
    this.release(jobId);
  }

  /** The job failed on its provider through the provider's fault. */
  recordFault(jobId: string, nowMs: number): void {
    const reservation = this.#reservations.get(jobId);
    if (reservation) this.failures.recordFailedJob(reservation.slot.profile.address, nowMs);
    this.release(jobId);
  }

  /** Jobs holding resources on the provider. */
  jobsOn(address: string): number {
    return this.#slots.get(address)?.jobs ?? 0;
  }

  get reservationCount(): number {
    return this.#reservations.size;
  }

  providers(): ProviderProfile[] {
    return [...this.#slots.values()].map((slot) => slot.profile);
  }

  #fits(slot: Slot, job: JobRequest, nowMs: number, excluded?: ReadonlySet<string>): boolean {
    if (!slot.online || !hasRoom(slot, job)) return false;
    if (excluded?.has(slot.profile.address)) return false;
    return exclusionOf(job, slot.profile, this.#context(job, slot.profile, nowMs)) === undefined;
  }

  #explainUnmatched(job: JobRequest, nowMs: number, excluded?: ReadonlySet<string>): PlacementOutcome {
    const reasons: Partial<Record<ExclusionReason, number>> = {};
    for (const slot of this.#slots.values()) {
      const reason: ExclusionReason | undefined = !slot.online
        ? 'offline'
        : excluded?.has(slot.profile.address)
          ? 'excluded'
          : (exclusionOf(job, slot.profile, this.#context(job, slot.profile, nowMs)) ??
            (hasRoom(slot, job) ? undefined : 'busy'));
      if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    return { placed: false, reasons, providers: this.#slots.size };
  }

  #context(job: JobRequest, provider: ProviderProfile, nowMs: number) {
    // The price check needs a run time: the prediction once the kind has been seen, else one second.
    const estimate = this.runtimes.estimate(job, provider);
    const seconds = estimate.samples > 0 ? estimate.seconds : 1;
    return {
      nowMs,
      stakeFactor: this.#stakeFactor,
      expectedCost: costPerSecond(provider.prices, job) * seconds,
    };
  }

  /** Rebuilds the per-runtime lists and re-sorts them by the policy's score for each runtime's typical job. */
  #refreshIndex(nowMs: number): void {
    if (!this.#indexStale && nowMs - this.#sortedAt < this.#resortMs) return;
    if (this.#indexStale) {
      this.#byRuntime.clear();
      for (const slot of this.#slots.values()) {
        for (const runtime of slot.profile.runtimes) {
          const list = this.#byRuntime.get(runtime);
          if (list) list.push(slot);
          else this.#byRuntime.set(runtime, [slot]);
        }
      }
    }
    if (this.options.policy !== 'random') {
      for (const [runtime, list] of this.#byRuntime) {
        const typical = this.#typicalJob.get(runtime);
        if (!typical) continue;
        const scores = list.map((slot) => predict(this.#scoring, typical, slot.profile));
        rank(
          this.options.policy,
          typical,
          scores,
          list.map((slot) => slot.profile),
          this.#scoring.weights,
        );
        for (let i = 0; i < list.length; i++) list[i]!.key = scores[i]!.score;
        list.sort((a, b) => a.key - b.key);
      }
    }
    this.#indexStale = false;
    this.#sortedAt = nowMs;
  }
}

function hasRoom(slot: Slot, job: JobRequest): boolean {
  const { profile } = slot;
  return (
    slot.usedCores + Math.max(1, job.cpuCores) <= profile.cpuCores &&
    slot.usedMemoryMb + job.memoryMb <= profile.memoryMb &&
    (job.gpu === '' || slot.usedGpus < profile.gpuCount)
  );
}

function loadOf(slot: Slot): number {
  return slot.usedCores / Math.max(1, slot.profile.cpuCores);
}
