import { type ConstraintContext, exclusionOf } from '../market/constraints.js';
import { expectedCost } from '../market/pricing.js';
import type {
  ExclusionReason,
  JobRequest,
  PlacementOutcome,
  PolicyName,
  ProviderProfile,
  Telemetry,
} from './api.js';
import { CapacityTree } from './capacity-tree.js';
import { FailurePredictor } from './failure-predictor.js';
import { RuntimePredictor } from './runtime-predictor.js';
import { DEFAULT_WEIGHTS, predict, rank, type ScoreWeights, type ScoringContext } from './scoring.js';

export interface SchedulerOptions {
  policy: PolicyName;
  /** A provider's stake must cover the job's max price this many times (the chain's stake floor; 0 = none). */
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
  /** Given no work before this time (it was caught cheating); 0 for none. */
  suspendedUntil: number;
  usedCores: number;
  usedMemoryMb: number;
  usedGpus: number;
  jobs: number;
  key: number;
  /** Where the slot sits in each runtime's index, to keep their capacity trees current. */
  memberships: { index: RuntimeIndex; position: number }[];
}

interface RuntimeIndex {
  slots: Slot[];
  /** Free cores and free GPUs per position (-1 offline). */
  cores: CapacityTree;
  gpus: CapacityTree;
  sortedAt: number;
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
  readonly #byRuntime = new Map<string, RuntimeIndex>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #onRelease: (() => void)[] = [];
  readonly #scoring: ScoringContext;
  #stakeFactor: number;
  readonly #shortlist: number;
  readonly #resortMs: number;
  readonly #random: () => number;
  #indexStale = true;

  constructor(readonly options: SchedulerOptions) {
    const heartbeatMs = options.heartbeatMs ?? 5_000;
    this.failures = new FailurePredictor({ intervalMs: heartbeatMs });
    this.#stakeFactor = options.stakeFactor ?? 0;
    this.#shortlist = options.policy === 'random' ? 1 : (options.shortlist ?? 6);
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

  /** The chain's stake floor as governance changes it: placements from now on use it. */
  setStakeFactor(factor: number): void {
    this.#stakeFactor = factor;
  }

  /** Adds a provider or replaces its offer (its running reservations stay). */
  upsertProvider(profile: ProviderProfile, nowMs: number): void {
    const slot = this.#slots.get(profile.address);
    if (slot) {
      const runtimesChanged = slot.profile.runtimes.join() !== profile.runtimes.join();
      slot.profile = profile;
      if (runtimesChanged) this.#indexStale = true;
      else this.#touch(slot);
      return;
    }
    this.#slots.set(profile.address, {
      profile,
      online: true,
      suspendedUntil: 0,
      usedCores: 0,
      usedMemoryMb: 0,
      usedGpus: 0,
      jobs: 0,
      key: 0,
      memberships: [],
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
    this.#touch(slot);
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
    this.#touch(slot);
    const lost: string[] = [];
    for (const [jobId, reservation] of this.#reservations) if (reservation.slot === slot) lost.push(jobId);
    return lost;
  }

  /** Gives the provider no new work until `untilMs` (it stays online: what it runs goes on). */
  suspend(address: string, untilMs: number): void {
    const slot = this.#slots.get(address);
    if (slot) slot.suspendedUntil = Math.max(slot.suspendedUntil, untilMs);
  }

  /** Until when the provider gets no new work (0: it is not suspended). */
  suspendedUntil(address: string): number {
    return this.#slots.get(address)?.suspendedUntil ?? 0;
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
    const index = this.#ordered(job, nowMs);
    const shortlist: Slot[] = [];
    const context = this.#context(job, nowMs);
    if (index) {
      const { slots } = index;
      // GPU jobs are bound by free GPUs, the others by free cores.
      const tree = job.gpu === '' ? index.cores : index.gpus;
      const need = job.gpu === '' ? Math.max(1, job.cpuCores) : 1;
      // Walks [from, to) in index order, jumping over providers without room.
      const scan = (from: number, to: number) => {
        for (
          let i = tree.firstAtLeast(from, need);
          i >= 0 && i < to && shortlist.length < this.#shortlist;
          i = tree.firstAtLeast(i + 1, need)
        ) {
          if (this.#fits(slots[i]!, job, context, excluded)) shortlist.push(slots[i]!);
        }
      };
      const start = this.options.policy === 'random' ? Math.floor(this.#random() * slots.length) : 0;
      scan(start, slots.length);
      scan(0, start);
    }
    if (shortlist.length === 0) return this.#explainUnmatched(job, context, excluded);
    const scores = shortlist.map((slot) => predict(this.#scoring, job, slot.profile, loadOf(slot)));
    rank(this.options.policy, scores, this.#scoring.weights);
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
    this.#touch(slot);
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
    this.#touch(slot);
    for (const listener of this.#onRelease) listener();
  }

  /** Calls `listener` each time a job frees what it held (a queued job may fit now). */
  onRelease(listener: () => void): void {
    this.#onRelease.push(listener);
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

  #fits(slot: Slot, job: JobRequest, context: ConstraintContext, excluded?: ReadonlySet<string>): boolean {
    if (!slot.online || slot.suspendedUntil > context.nowMs || !hasRoom(slot, job)) return false;
    if (excluded?.has(slot.profile.address)) return false;
    return exclusionOf(job, slot.profile, context) === undefined;
  }

  #explainUnmatched(
    job: JobRequest,
    context: ConstraintContext,
    excluded?: ReadonlySet<string>,
  ): PlacementOutcome {
    const reasons: Partial<Record<ExclusionReason, number>> = {};
    for (const slot of this.#slots.values()) {
      const reason: ExclusionReason | undefined = !slot.online
        ? 'offline'
        : slot.suspendedUntil > context.nowMs
          ? 'suspended'
          : excluded?.has(slot.profile.address)
            ? 'excluded'
            : (exclusionOf(job, slot.profile, context) ?? (hasRoom(slot, job) ? undefined : 'busy'));
      if (reason) reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    return { placed: false, reasons, providers: this.#slots.size };
  }

  #context(job: JobRequest, nowMs: number): ConstraintContext {
    return {
      nowMs,
      stakeFactor: this.#stakeFactor,
      // The price check needs a run time: the prediction once the kind has been seen, else one second.
      expectedCost: (provider) =>
        expectedCost(
          provider.prices,
          job,
          this.runtimes.knows(job) ? this.runtimes.seconds(job, provider) : 1,
        ),
    };
  }

  /**
   * The providers offering the job's runtime, in the policy's order for a typical job of that
   * runtime (the last one placed). Lists are rebuilt when providers come or change runtimes,
   * and each is re-sorted at most every `resortMs`: the order only picks the shortlist, which
   * is then scored exactly, so a slightly stale order costs little.
   */
  #ordered(job: JobRequest, nowMs: number): RuntimeIndex | undefined {
    if (this.#indexStale) {
      this.#byRuntime.clear();
      for (const slot of this.#slots.values()) {
        slot.memberships = [];
        for (const runtime of slot.profile.runtimes) {
          const index = this.#byRuntime.get(runtime);
          if (index) index.slots.push(slot);
          else {
            const created = {
              slots: [slot],
              cores: new CapacityTree([]),
              gpus: new CapacityTree([]),
              sortedAt: Number.NEGATIVE_INFINITY,
            };
            this.#byRuntime.set(runtime, created);
          }
        }
      }
      for (const index of this.#byRuntime.values()) this.#reindex(index);
      this.#indexStale = false;
    }
    const index = this.#byRuntime.get(job.runtime);
    if (!index) return undefined;
    if (this.options.policy !== 'random' && nowMs - index.sortedAt >= this.#resortMs) {
      const { slots } = index;
      if (this.options.policy === 'cheapest') {
        for (const slot of slots) slot.key = expectedCost(slot.profile.prices, job, 1);
      } else {
        const scores = slots.map((slot) => predict(this.#scoring, job, slot.profile));
        rank('learned', scores, this.#scoring.weights);
        for (let i = 0; i < slots.length; i++) slots[i]!.key = scores[i]!.score;
      }
      slots.sort((a, b) => a.key - b.key);
      this.#reindex(index);
      index.sortedAt = nowMs;
    }
    return index;
  }

  /** After the index's order changed: each slot learns its position, and the tree is rebuilt. */
  #reindex(index: RuntimeIndex): void {
    index.slots.forEach((slot, position) => {
      const membership = slot.memberships.find((m) => m.index === index);
      if (membership) membership.position = position;
      else slot.memberships.push({ index, position });
    });
    index.cores = new CapacityTree(index.slots.map(freeCores));
    index.gpus = new CapacityTree(index.slots.map(freeGpus));
  }

  #touch(slot: Slot): void {
    const cores = freeCores(slot);
    const gpus = freeGpus(slot);
    for (const { index, position } of slot.memberships) {
      index.cores.set(position, cores);
      index.gpus.set(position, gpus);
    }
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

function freeCores(slot: Slot): number {
  return slot.online ? slot.profile.cpuCores - slot.usedCores : -1;
}

function freeGpus(slot: Slot): number {
  return slot.online ? slot.profile.gpuCount - slot.usedGpus : -1;
}

function loadOf(slot: Slot): number {
  return slot.usedCores / Math.max(1, slot.profile.cpuCores);
}
