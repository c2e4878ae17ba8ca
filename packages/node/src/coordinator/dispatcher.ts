import {
  IdlegridError,
  isIdlegridError,
  type JobSpec,
  type NetworkDomain,
  parseMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { JobRecord, JobStore } from '../jobs/api.js';
import { isRunOver, isTerminal } from '../jobs/job-states.js';
import { INLINE_INPUT_BYTES, JOB_MESSAGES, jobAssignAckSchema, jobCommitSchema } from '../jobs/wire.js';
import { isModelRuntime } from '../market/model-listing.js';
import type { MessageChannel, RemotePeer } from '../p2p/api.js';
import { PASSING_EXCLUSIONS } from '../scheduler/api.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { AssignmentSigner } from './assignment-signer.js';
import type { CanaryChecks } from './canary-checks.js';
import { LlmRescoring } from './inference/llm-rescoring.js';
import type { JobEventBus } from './job-event-bus.js';
import type { VerificationSettings } from './job-intake.js';
import type { LeaseKeyRelay } from './lease-keys.js';
import { ModuleDeliveries } from './module-deliveries.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { Slasher } from './punishment.js';
import { ResultVerification } from './result-verification.js';
import { readRunAnswer } from './run-answer.js';
import { jobRequestOf } from './scheduler-views.js';

export interface DispatcherDeps {
  store: JobStore;
  registry: ProviderRegistry;
  channel: MessageChannel;
  bus: JobEventBus;
  artifacts: ArtifactStore;
  domain: NetworkDomain;
  assignments: AssignmentSigner;
  /** Audits of sampled jobs (see result-verification.ts); without it every result is accepted as returned. */
  verification?: {
    settings: VerificationSettings;
    slash?: Slasher;
    canaries?: CanaryChecks;
    random?: () => number;
  };
  /** How long an assignment holds without the provider being seen. */
  leaseMs: number;
  /** A run of the job was assigned to `provider` until `leaseExpiresAt`: where its artifacts go (erasures, lease reads). */
  onAssigned?: (spec: JobSpec, provider: Address, leaseExpiresAt: number) => void;
  /** Asks private jobs' clients for each lease's keys; without it private jobs' runs wait for keys in vain. */
  leaseKeys?: LeaseKeyRelay;
  /**
   * In a cluster (coordinators sharing one database, the store's `owner` set): how often this
   * coordinator renews its hold on its jobs and takes over those of a coordinator that stopped
   * renewing (a third of the store's hold). It dispatches, retries and expires only its own jobs.
   */
  claimEveryMs?: number;
  /** Jobs this coordinator took over from one that died (in a cluster). */
  onTakeover?: (jobIds: readonly string[]) => void;
  /** Whether a provider not joined here is alive at another coordinator (the mesh relays its heartbeats): its leases are not lost. */
  aliveElsewhere?: (provider: Address, now: number) => boolean;
  /** Providers that get no new job now, whatever the job (a suspected sybil cluster already at work: sybil-watch.ts). */
  capped?: () => readonly Address[];
  assignTimeoutMs?: number;
  now?: () => number;
}

const ACTIVE = ['matched', 'assigned', 'running', 'committed', 'verifying'] as const;
type RetryKind = 'fault' | 'lost' | 'refused';
/** States in which the job's outcome depends on its provider still holding it. */
const ACTIVE_ON_PROVIDER = ['matched', 'assigned', 'running'] as const;

/** Queued jobs tried in a row without a fit before a retry on freed capacity stops (see #retryUnplaced). */
const RETRY_MISSES = 8;

/** Runtime errors caused by the job itself, not by the provider that ran it. */
const CLIENT_FAULTS = new Set([
  'WASM_INVALID_MODULE',
  'WASM_FORBIDDEN_IMPORT',
  'WASM_TRAP',
  'WASM_MEMORY_LIMIT',
  'LLM_REQUEST_INVALID',
  'LLM_CONTEXT_EXCEEDED',
  'LLM_MODEL_INVALID',
  // A private job's client stopped handing out its keys: it would do the same elsewhere.
  'LEASE_KEYS_MISSING',
]);

/**
 * Artifacts as `job.assign` carries them, base64 by CID, when all of them fit in `budget` bytes;
 * none otherwise (the provider downloads them).
 */
async function inlineArtifacts(
  artifacts: ArtifactStore,
  cids: readonly string[],
  budget: number,
): Promise<{ blobs: Record<string, string>; bytes: number }> {
  if (cids.length === 0) return { blobs: {}, bytes: 0 };
  try {
    const sizes = await Promise.all(cids.map((cid) => artifacts.info(cid)));
    const bytes = sizes.reduce((sum, info) => sum + info.size, 0);
    if (bytes > budget) return { blobs: {}, bytes: 0 };
    const entries = await Promise.all(
      cids.map(async (cid) => [cid, Buffer.from(await artifacts.bytes(cid)).toString('base64')] as const),
    );
    return { blobs: Object.fromEntries(entries), bytes };
  } catch {
    // An artifact the coordinator lacks is the provider's download to fail, with its own error.
    return { blobs: {}, bytes: 0 };
  }
}

/**
 * Moves jobs through their life: matches submitted jobs to offers, assigns them over the
 * job protocol, accepts results, retries on lost or failing providers (bounded), and
 * expires jobs past their deadline. Every step is persisted before it is acted on.
 */
export class Dispatcher {
  readonly #excluded = new Map<string, Set<Address>>();
  readonly #inFlight = new Set<string>();
  readonly #modules = new ModuleDeliveries();
  /** Submitted jobs no offer fitted when last tried, oldest first: tried again when capacity frees. */
  readonly #unplaced = new Set<string>();
  #retryQueued = false;
  readonly #startedAt: number;
  #nextClaimAt = 0;
  readonly #assignments: AssignmentSigner;
  readonly #verification: ResultVerification | undefined;
  /** LLM answers are verified by re-scoring, not by running them again. */
  readonly #rescoring: LlmRescoring | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.#startedAt = this.#now();
    this.#assignments = deps.assignments;
    this.#scheduler.onRelease(() => this.#retryUnplacedSoon());
    this.#verification =
      deps.verification &&
      new ResultVerification({
        ...deps,
        ...deps.verification,
        move: (id, to, options) => this.#move(id, to, options),
        specOf,
      });
    this.#rescoring =
      deps.verification &&
      new LlmRescoring({
        ...deps,
        ...deps.verification,
        scheduler: this.deps.registry.scheduler,
        move: (id, to, options) => this.#move(id, to, options),
        retry: (job, code, message) => this.#retry(job, code, message),
      });
  }

  get #scheduler(): Scheduler {
    return this.deps.registry.scheduler;
  }

  /**
   * Capacity freed (a job left its provider): queued jobs are tried again at once rather than at
   * the next pass, a tick later. Once per turn of the event loop, and only until a few in a row
   * still find no offer: each freed slot takes one job, so trying every queued job is waste.
   */
  #retryUnplacedSoon(): void {
    if (this.#retryQueued || this.#unplaced.size === 0) return;
    this.#retryQueued = true;
    setImmediate(() => {
      this.#retryQueued = false;
      void this.#retryUnplaced();
    });
  }

  async #retryUnplaced(): Promise<void> {
    let misses = 0;
    for (const id of [...this.#unplaced]) {
      if (misses >= RETRY_MISSES) return;
      const job = await this.deps.store.get(id).catch(() => undefined);
      if (job?.state !== 'submitted') {
        this.#unplaced.delete(id);
        continue;
      }
      // Checked after the read: a pass may have taken the job meanwhile.
      if (this.#inFlight.has(id)) continue;
      // Placing comes before any await in #dispatch for a WASM job: by the next line it is known.
      void this.#dispatch(job).catch(() => {});
      if (this.#unplaced.has(id)) misses++;
    }
  }

  /** One pass: (in a cluster) hold and take over jobs, expire, retry lost leases, dispatch waiting jobs. Safe to call repeatedly. */
  async tick(): Promise<void> {
    const now = this.#now();
    this.deps.registry.sweep(now);
    await this.#claim(now);
    const owned = this.#clustered;
    const open = await this.deps.store.list({ states: ['submitted', ...ACTIVE], limit: 1_000, owned });
    for (const job of open) {
      if (job.deadline < now && !this.#inFlight.has(job.id)) await this.#expire(job);
    }
    const live = open.filter((job) => job.deadline >= now);
    // Only a verifying job's spec is read here: LLM answers wait for re-scoring, all others for audits.
    const rescored = live.filter((job) => job.state === 'verifying' && specOf(job).runtime === 'llm');
    await this.#verification?.tick(live.filter((job) => !rescored.includes(job)));
    await this.#rescoring?.tick(rescored);
    for (const job of await this.deps.store.expiredLeases(now, { owned })) {
      if (!job.provider || this.#inFlight.has(job.id)) continue;
      // A job taken over in a cluster may run on a provider that moved to another coordinator.
      if (this.deps.registry.isOnline(job.provider, now) || this.deps.aliveElsewhere?.(job.provider, now)) {
        // Alive, yet running nothing since the lease lapsed: the assignment or its answer was
        // lost (its coordinator died while sending it). Waiting would hold the job to its deadline.
        if (this.#runsNothingSince(job.provider, job.leaseExpiresAt ?? now))
          await this.#retry(
            job,
            'PROVIDER_LOST_JOB',
            'the provider runs no job since its lease lapsed',
            'lost',
          );
        continue;
      }
      // Just after a restart no provider is known yet: give each a lease's time to say hello
      // again (and list its jobs) before its jobs count as lost.
      if (!this.deps.registry.get(job.provider) && now < this.#startedAt + this.deps.leaseMs) continue;
      await this.#retry(job, 'LEASE_EXPIRED', 'the provider stopped sending heartbeats');
    }
    const waiting = await this.deps.store.list({ states: ['submitted'], limit: 1_000, owned });
    await Promise.all(waiting.filter((job) => !this.#inFlight.has(job.id)).map((job) => this.#dispatch(job)));
  }

  get #clustered(): boolean {
    return this.deps.claimEveryMs !== undefined && this.deps.store.claim !== undefined;
  }

  /** In a cluster: renews the hold on this coordinator's jobs, and takes over those whose owner died. */
  async #claim(now: number): Promise<void> {
    if (!this.#clustered || now < this.#nextClaimAt) return;
    this.#nextClaimAt = now + this.deps.claimEveryMs!;
    const taken = await this.deps.store.claim!(now);
    // Jobs taken over are picked up by this pass like any of its own: queued ones are
    // dispatched, and those whose provider went silent are retried once their lease lapses.
    if (taken.length) this.deps.onTakeover?.(taken);
  }

  /**
   * Dispatches a job that has just entered `submitted` (new, or queued again) on its own,
   * without a whole pass: a pass lists every open job, which per submission costs more than
   * the dispatch. Undefined when the job is already being dispatched (a pass will see it).
   */
  dispatchSubmitted(job: JobRecord): Promise<void> | undefined {
    if (this.#inFlight.has(job.id)) return undefined;
    // In a cluster, a job requeued here may be another coordinator's: its owner dispatches it.
    if (this.#clustered) {
      return this.deps.store.owns!(job.id).then((mine) => (mine ? this.#dispatch(job) : undefined));
    }
    return this.#dispatch(job);
  }

  /**
   * After a restart: a `matched` job was never sent (the assignment goes out only once
   * `assigned` is persisted), so it goes straight back to the queue.
   */
  async recover(): Promise<void> {
    const owned = this.#clustered;
    for (const job of await this.deps.store.list({ states: ['matched'], limit: 10_000, owned })) {
      await this.#move(job.id, 'submitted', {
        from: ['matched'],
        patch: { provider: null, leaseExpiresAt: null },
        detail: { reason: 'the coordinator restarted before assigning it' },
      });
    }
  }

  /**
   * A provider (re)joined and says which jobs it holds (running, or result not yet delivered).
   * Any job the store gives it that it does not hold was lost on the way (an assignment or a
   * result dropped while this coordinator was down, or the provider restarted): it is queued
   * again at once instead of waiting for its deadline. The provider is not at fault, so it is
   * not excluded. Jobs assigned moments ago are left alone: the hello may have been sent before
   * the provider took them (call this before the provider's offer is registered, so that no new
   * job can reach it meanwhile). Returns the jobs the provider still holds: once its offer is
   * registered, `hold` them so that the scheduler counts them (a restarted one knows of none).
   */
  async reconcile(provider: Address, held: readonly string[]): Promise<JobRecord[]> {
    this.#modules.forget(provider);
    const holds = new Set(held.map((id) => id.toLowerCase()));
    const assigned = await this.deps.store.list({ provider, states: ACTIVE_ON_PROVIDER, limit: 10_000 });
    // A hello may cross an assignment on the wire: jobs moved this recently are left alone.
    const recent = this.#now() - Math.min(3_000, this.deps.leaseMs / 5);
    const kept: JobRecord[] = [];
    for (const job of assigned) {
      if (holds.has(job.id.toLowerCase()) || this.#inFlight.has(job.id) || job.updatedAt > recent)
        kept.push(job);
      else await this.#retry(job, 'PROVIDER_LOST_JOB', 'the provider no longer holds the job', 'lost');
    }
    await this.#verification?.reconcile(provider, holds, recent);
    return kept;
  }

  /** Reserves, on the provider, the jobs it still holds (idempotent). */
  hold(provider: Address, jobs: readonly JobRecord[]): void {
    for (const job of jobs) this.#scheduler.reserve(jobRequestOf(job, specOf(job)), provider);
  }

  /** Jobs this dispatcher holds something of in memory, by what: none of a job whose run is over. */
  heldJobs(): Record<string, number> {
    return {
      inFlight: this.#inFlight.size,
      unplaced: this.#unplaced.size,
      excluded: this.#excluded.size,
      ...this.#verification?.heldJobs(),
    };
  }

  /**
   * A job's run is over, or it ended outside the dispatcher (the client cancelled it): what is
   * held for it is let go, and the provider of a cancelled job is told to stop.
   */
  ended(job: JobRecord): void {
    if (!isRunOver(job.state)) return;
    this.deps.leaseKeys?.ended(job.id);
    this.#unplaced.delete(job.id);
    this.#scheduler.release(job.id);
    this.#excluded.delete(job.id);
    this.#verification?.release(job.id);
    if (job.state !== 'cancelled' || !job.provider) return;
    const peer = this.deps.registry.get(job.provider)?.peer;
    if (peer) this.deps.channel.send(peer, JOB_MESSAGES.cancel, { jobId: job.id }).catch(() => {});
  }

  async #dispatch(job: JobRecord): Promise<void> {
    this.#inFlight.add(job.id);
    let provider: Address | undefined;
    let refused = false;
    try {
      const spec = specOf(job);
      const commitReveal = this.#verification?.commitsFirst(spec) ?? false;
      // A replicated job's replicas may still run from an earlier attempt: its runs go to other providers.
      const excluded = commitReveal
        ? new Set([...this.#excludedFor(job.id), ...(await this.#verification!.providersOf(job.id))])
        : this.#excludedFor(job.id);
      const modelShipped =
        isModelRuntime(spec.runtime) &&
        (await this.deps.artifacts.info(spec.moduleCid).then(
          () => true,
          () => false,
        ));
      const now = this.#now();
      // Placing reserves the provider's resources before any await, so jobs dispatched in the
      // same pass cannot overbook it.
      const capped = this.deps.capped?.() ?? [];
      const outcome = this.#scheduler.place(
        jobRequestOf(job, spec, { modelShipped }),
        now,
        capped.length ? new Set([...excluded, ...capped]) : excluded,
      );
      if (!outcome.placed) {
        this.#unplaced.add(job.id);
        await this.#noteUnmatched(job, outcome.reasons);
        return;
      }
      this.#unplaced.delete(job.id);
      provider = outcome.provider as Address;
      const entry = this.deps.registry.get(provider)!;
      const leaseExpiry = now + this.deps.leaseMs;
      const assignment = await this.#assignments.sign(spec, provider, leaseExpiry, now);
      // Matched and assigned in one write, before the assignment goes out (see `recover`).
      await this.#move(job.id, 'assigned', {
        via: [
          {
            state: 'matched',
            detail: { price: entry.offer.pricePerCpuSecond.toString(), placement: outcome.decision },
          },
        ],
        patch: { provider, error: null, leaseExpiresAt: leaseExpiry },
      });
      this.deps.onAssigned?.(spec, provider, leaseExpiry);
      const inputs = await inlineArtifacts(this.deps.artifacts, spec.inputCids, INLINE_INPUT_BYTES);
      const module =
        spec.runtime === 'wasm' && !this.#modules.has(provider, spec.moduleCid)
          ? await inlineArtifacts(this.deps.artifacts, [spec.moduleCid], INLINE_INPUT_BYTES - inputs.bytes)
          : { blobs: {}, bytes: 0 };
      const inline = { ...inputs.blobs, ...module.blobs };
      const ack = jobAssignAckSchema.parse(
        await this.deps.channel.request(
          entry.peer,
          JOB_MESSAGES.assign,
          this.#assignments.body(assignment, job.spec, {
            commitReveal,
            ...(Object.keys(inline).length > 0 && { inputs: inline }),
          }),
          { timeoutMs: this.deps.assignTimeoutMs ?? 10_000 },
        ),
      );
      if (ack.accepted && module.bytes > 0) this.#modules.record(provider, spec.moduleCid);
      if (!ack.accepted) {
        // Busy or outside its hours, nothing ran: no fault. Any other refusal (an assignment it
        // finds invalid) is one, so that it cannot go on forever.
        const reason = ack.reason ?? 'no reason';
        refused = /^PROVIDER_(BUSY|UNAVAILABLE)\b/.test(reason);
        throw new IdlegridError('PROVIDER_BUSY', `provider refused the job: ${reason}`);
      }
      this.deps.leaseKeys?.leased(spec, provider, entry.peer, leaseExpiry);
      const running = await this.#move(job.id, 'running', { from: ['assigned'] }).catch((error: unknown) => {
        // The answer came before the acknowledgement: the job has moved on, nothing to retry.
        if (isIdlegridError(error) && error.code === 'JOB_INVALID_TRANSITION') return undefined;
        throw error;
      });
      if (!running) return;
      // Its replicas run alongside the first run, not after it.
      // (A failure here is the verification's, not this provider's: the next pass tries again.)
      if (commitReveal) await this.#verification!.advance(running).catch(() => {});
    } catch (error) {
      const current = await this.deps.store.get(job.id);
      if (!isTerminal(current.state) && provider) {
        const code = isIdlegridError(error) ? error.code : 'INTERNAL';
        // Placed but not yet assigned: the provider's reservation is still to release.
        const placed = current.provider ? current : { ...current, provider };
        await this.#retry(placed, code, (error as Error).message, refused ? 'refused' : 'fault');
      }
    } finally {
      this.#inFlight.delete(job.id);
    }
  }

  /** Handles `job.result` from a provider: checks it, then accepts the job, or audits it first. */
  async acceptResult(from: RemotePeer, body: unknown): Promise<{ accepted: true }> {
    const answer = await readRunAnswer(this.deps, from.address, body);
    const { manifest, resultCid: cid } = answer;
    if (this.#verification?.isCanary(manifest.jobId)) {
      await this.#verification.acceptCanary(answer);
      return { accepted: true };
    }
    if (this.#rescoring?.isCheck(manifest.jobId)) {
      await this.#rescoring.answered(answer);
      return { accepted: true };
    }
    const job = await this.deps.store.get(manifest.jobId);
    const spec = specOf(job);
    const checking = job.state === 'verifying' && job.provider !== from.address;
    if (job.provider !== from.address && !checking) {
      throw new IdlegridError('RESULT_INVALID', `result for ${job.id} is not from its assigned provider`);
    }
    if (this.#verification?.commitsFirst(spec)) {
      // A replicated job's answers are revealed only when the coordinator asks for them.
      throw new IdlegridError('RESULT_INVALID', `job ${job.id} takes a commitment first (job.commit)`);
    }
    if (checking) {
      await this.#verification?.acceptCheck(job, answer);
      return { accepted: true };
    }
    // A repeat of a first answer already recorded (the provider's outbox retried).
    if (['verifying', 'accepted', 'settled'].includes(job.state)) return { accepted: true };
    if (manifest.exitCode < 0) {
      // The client's module is at fault (invalid, forbidden imports, trap, too much memory):
      // running it elsewhere would fail the same way, so the job fails now. Else retry.
      if (manifest.errorCode && CLIENT_FAULTS.has(manifest.errorCode)) {
        this.#scheduler.release(job.id);
        await this.#move(job.id, 'failed', {
          patch: {
            error: { code: manifest.errorCode, message: 'the module could not run on the provider' },
            leaseExpiresAt: null,
            resultCid: cid,
          },
          detail: { code: manifest.errorCode },
        });
      } else {
        await this.#retry(
          job,
          'PROVIDER_FAILED',
          `the provider could not run the job (${manifest.errorCode ?? 'unknown'})`,
        );
      }
      return { accepted: true };
    }
    this.#scheduler.recordCompletion(job.id, manifest.durationMs / 1000);
    const committed = { from: ['running', 'assigned'] as const, patch: { resultCid: cid } };
    const check = spec.runtime === 'llm' ? this.#rescoring : this.#verification;
    if (check?.chooses(spec, from.address)) {
      await this.#move(job.id, 'committed', committed);
      await check.begin(job, answer);
      return { accepted: true };
    }
    const price = this.deps.registry.charge(from.address, spec, manifest);
    // Committed and accepted in one write: nothing acts on the job in between.
    await this.#move(job.id, 'accepted', {
      ...committed,
      via: [{ state: 'committed' }],
      patch: { ...committed.patch, price: price.toString(), leaseExpiresAt: null },
    });
    this.deps.registry.recordOutcome(from.address, 'completed', this.#now(), job.client);
    return { accepted: true };
  }

  /**
   * Handles `job.commit`: a replicated job's run committed to its answer. The first run's
   * commitment moves the job to `verifying`, where its replicas' answers are gathered.
   */
  async acceptCommit(from: RemotePeer, body: unknown): Promise<{ accepted: true }> {
    const parsed = jobCommitSchema.safeParse(body);
    if (!parsed.success) throw new IdlegridError('RESULT_INVALID', 'expected { commit }');
    const verified = await verifySignedMessage(this.deps.domain, parsed.data.commit, {
      kind: 'ResultCommit',
    });
    if (verified.signer !== from.address) {
      throw new IdlegridError(
        'SIGNER_MISMATCH',
        `a commitment signed by ${verified.signer} came from ${from.address}`,
      );
    }
    const job = await this.deps.store.get(verified.message.jobId);
    const verification = this.#verification;
    if (!verification?.commitsFirst(specOf(job))) {
      throw new IdlegridError('RESULT_INVALID', `job ${job.id} takes its result directly (job.result)`);
    }
    const commit = {
      kind: 'ResultCommit' as const,
      message: verified.message,
      signature: verified.signature,
    };
    if (job.provider === from.address && (job.state === 'running' || job.state === 'assigned')) {
      this.#scheduler.recordCompletion(job.id, (this.#now() - job.updatedAt) / 1000);
      const committed = await this.#move(job.id, 'committed', {
        from: ['running', 'assigned'],
        patch: { leaseExpiresAt: null },
      });
      await verification.beginCommitted(committed, commit);
    } else {
      await verification.acceptCommit(job, commit);
    }
    return { accepted: true };
  }

  /**
   * Puts the job back in the queue. A `fault` of the provider excludes it for this job and
   * costs an attempt; a `lost` job (the provider is not to blame) costs an attempt only; a
   * `refused` assignment (the provider was busy or unavailable: nothing ran) costs neither.
   */
  async #retry(job: JobRecord, code: string, message: string, kind: RetryKind = 'fault'): Promise<void> {
    if (job.provider) {
      if (kind === 'fault') {
        this.#excludedFor(job.id).add(job.provider);
        this.#scheduler.recordFault(job.id, this.#now());
        this.deps.registry.recordOutcome(
          job.provider,
          code === 'LEASE_EXPIRED' ? 'timeout' : 'failed',
          this.#now(),
        );
      }
      this.#scheduler.release(job.id);
      const peer = this.deps.registry.get(job.provider)?.peer;
      if (peer && kind !== 'refused') {
        this.deps.channel.send(peer, JOB_MESSAGES.cancel, { jobId: job.id }).catch(() => {});
      }
    }
    const error = { code, message };
    const attempt = kind === 'refused' ? job.attempt : job.attempt + 1;
    if (attempt > job.maxAttempts) {
      await this.#move(job.id, 'failed', { patch: { error, leaseExpiresAt: null }, detail: { code } });
      return;
    }
    await this.#move(job.id, 'submitted', {
      patch: { attempt, provider: null, leaseExpiresAt: null, error },
      detail: { code, retry: attempt },
    });
  }

  async #expire(job: JobRecord): Promise<void> {
    if (job.provider) {
      const peer = this.deps.registry.get(job.provider)?.peer;
      if (peer) this.deps.channel.send(peer, JOB_MESSAGES.cancel, { jobId: job.id }).catch(() => {});
    }
    this.#scheduler.release(job.id);
    await this.#move(job.id, 'expired', { patch: { leaseExpiresAt: null } }).catch(() => {});
  }

  /**
   * Records once (not every tick) why the job waits, so the client sees it at once:
   * `JOB_QUEUED` when some provider could take it once free (busy, offline, outside its hours),
   * `JOB_UNMATCHED` when no known provider can run it at all (its constraints exclude them all).
   */
  async #noteUnmatched(job: JobRecord, reasons: Partial<Record<string, number>>): Promise<void> {
    const summary = Object.entries(reasons)
      .map(([reason, count]) => `${reason}: ${count}`)
      .join(', ');
    const queued = Object.keys(reasons).some((reason) => PASSING_EXCLUSIONS.has(reason));
    const code = queued ? 'JOB_QUEUED' : 'JOB_UNMATCHED';
    const message = !summary
      ? 'no provider is online'
      : queued
        ? `waiting for capacity (${summary})`
        : `no offer fits (${summary})`;
    if (job.error?.message === message) return;
    await this.#move(job.id, 'submitted', {
      patch: { error: { code, message } },
      detail: { reasons },
    });
  }

  async #move(
    id: string,
    to: JobRecord['state'],
    options: Parameters<JobStore['transition']>[2],
  ): Promise<JobRecord> {
    const job = await this.deps.store.transition(id, to, options);
    // Listeners (metrics, event streams, and `ended`, which lets go of a job whose run is over)
    // see every state the job passed through, each as its version.
    const via = options?.via ?? [];
    via.forEach((step, index) => {
      this.deps.bus.publish({ ...job, state: step.state, version: job.version - via.length + index });
    });
    this.deps.bus.publish(job);
    return job;
  }

  #excludedFor(jobId: string): Set<Address> {
    const existing = this.#excluded.get(jobId);
    if (existing) return existing;
    const created = new Set<Address>();
    this.#excluded.set(jobId, created);
    return created;
  }

  /** The provider's latest heartbeat (here or relayed through the mesh) came after `at` and counts no running job. */
  #runsNothingSince(provider: Address, at: number): boolean {
    const latest = this.deps.registry.telemetry(provider).at(-1);
    return latest !== undefined && latest.at > at && latest.activeJobs === 0;
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

export function specOf(job: JobRecord): JobSpec {
  return parseMessage('JobSpec', (job.spec as { message: unknown }).message);
}
