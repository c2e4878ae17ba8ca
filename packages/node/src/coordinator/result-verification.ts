import {
  IdlegridError,
  type JobSpec,
  type ResultManifest,
  resultCommitment,
  type SignedMessage,
} from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { JobRecord, JobRun, JobStore, TransitionOptions } from '../jobs/api.js';
import { jobSeconds } from '../jobs/job-size.js';
import { JOB_MESSAGES, jobAssignAckSchema, wireRecord } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { comparatorFor, outcomeDigest, verdict } from '../verify/compare.js';
import type { SlashReason } from '../verify/evidence.js';
import type { VerificationPolicy } from '../verify/policy.js';
import type { AssignmentSigner } from './assignment-signer.js';
import type { CanaryChecks } from './canary-checks.js';
import type { VerificationSettings } from './job-intake.js';
import { jobPolicy } from './job-policy.js';
import type { LeaseKeyRelay } from './lease-keys.js';
import type { ProviderRegistry } from './provider-registry.js';
import { punish, type Slasher } from './punishment.js';
import { type RunAnswer, readRunAnswer } from './run-answer.js';
import { jobRequestOf } from './scheduler-views.js';
import { offenceOn, settle } from './settlement.js';

/** Runs of one job before a dispute without a decisive answer fails it. */
const MAX_RUNS = 7;

export interface ResultVerificationDeps {
  store: JobStore;
  registry: ProviderRegistry;
  channel: MessageChannel;
  assignments: AssignmentSigner;
  artifacts: ArtifactStore;
  domain: Parameters<typeof readRunAnswer>[0]['domain'];
  settings: VerificationSettings;
  /** How long a run is waited for beyond its own length, and how long a reveal is asked for. */
  leaseMs: number;
  /** Persists a transition and publishes it (the dispatcher's). */
  move: (id: string, to: JobRecord['state'], options: TransitionOptions) => Promise<JobRecord>;
  specOf: (job: JobRecord) => JobSpec;
  slash?: Slasher;
  /** Known-answer jobs for the `canary` policy; without them its jobs are audited like `sample`. */
  canaries?: CanaryChecks;
  /** A check run was assigned (see DispatcherDeps.onAssigned). */
  onAssigned?: (spec: JobSpec, provider: Address, leaseExpiresAt: number) => void;
  /** Asks a private job's client for the keys of each check run's lease. */
  leaseKeys?: LeaseKeyRelay;
  random?: () => number;
  now?: () => number;
}

/**
 * Checks results before they are accepted, by running the job again on independent providers:
 * - `sample(p)`: a sampled job's first answer is held in `verifying` while one other provider
 *   runs the job; neither can tell an audit from a first run (same signed spec, same kind of
 *   assignment). Answers are sent as results.
 * - `replicate(k)`: k-1 replicas run alongside the first run, and every run commits to its
 *   answer (`job.commit`, a salted hash) before any answer is revealed (`job.reveal`, asked for
 *   once all have committed): no replica can copy another's answer. A run that commits and
 *   then does not reveal while reachable, or reveals something else, is punished.
 * Answers are compared on their outcome digest. Agreement accepts the job; disagreement brings
 * more providers, one at a time, until one answer has three runs and a majority (see
 * `verdict`): each provider in the minority is punished (see punishment.ts), and the client
 * gets, and pays for, that answer. A run whose provider vanished or refused is given to yet
 * another provider.
 */
export class ResultVerification {
  /** Jobs being advanced now, and whether another step was asked for meanwhile. */
  readonly #advancing = new Map<string, boolean>();
  /** Scheduler reservations of each job's check runs. */
  readonly #reserved = new Map<string, Set<string>>();
  readonly #replicatedJobs = new Map<string, boolean>();

  constructor(private readonly deps: ResultVerificationDeps) {}

  policyOf(spec: JobSpec): VerificationPolicy {
    return jobPolicy(spec, this.deps.settings);
  }

  /** Whether the job's runs commit to their answers before revealing them (replicated jobs). */
  commitsFirst(spec: JobSpec): boolean {
    return this.policyOf(spec).kind === 'replicate';
  }

  /** `commitsFirst` of a stored job, remembered per job: every pass asks it of every running job. */
  #replicated(job: JobRecord): boolean {
    let replicated = this.#replicatedJobs.get(job.id);
    if (replicated === undefined) {
      replicated = this.commitsFirst(this.deps.specOf(job));
      this.#replicatedJobs.set(job.id, replicated);
    }
    return replicated;
  }

  /** Whether this first answer is checked before it is accepted (probation raises the odds). */
  chooses(spec: JobSpec, provider: Address): boolean {
    const policy = this.policyOf(spec);
    const rate =
      policy.kind === 'sample'
        ? policy.probability
        : policy.kind === 'canary'
          ? (policy.probability ?? this.deps.settings.canaryRate)
          : 0;
    if (rate === 0) return false;
    const probability = this.deps.registry.reputation.samplingFor(provider, rate);
    return (this.deps.random ?? Math.random)() < probability;
  }

  /** Whether a result names a canary in flight (not a job of the store). */
  isCanary(jobId: string): boolean {
    return this.deps.canaries?.jobOf(jobId) !== undefined;
  }

  /** A provider answered a canary: the job it stood for moves on (accepted, or audited). */
  async acceptCanary(answer: RunAnswer): Promise<void> {
    const canaries = this.deps.canaries;
    if (!canaries)
      throw new IdlegridError('RESULT_INVALID', `no canary ${answer.manifest.jobId} is in flight`);
    await this.advance(await canaries.answered(answer));
  }

  /** Every provider that ran or runs a check of the job: the job's other runs go elsewhere. */
  async providersOf(jobId: string): Promise<Address[]> {
    return (await this.deps.store.runs(jobId)).map((run) => run.provider);
  }

  /** A sampled job's first answer will be audited: it is recorded, the job waits in `verifying`. */
  async begin(job: JobRecord, first: RunAnswer): Promise<void> {
    await this.deps.store.putRun(this.#doneRun(job.id, 'first', first, {}));
    const verifying = await this.deps.move(job.id, 'verifying', {
      patch: { leaseExpiresAt: null },
      detail: { audit: 'sampled' },
    });
    await this.advance(verifying);
  }

  /** A replicated job's first run committed: the job waits in `verifying` for its replicas. */
  async beginCommitted(job: JobRecord, commit: SignedMessage<'ResultCommit'>): Promise<void> {
    await this.deps.store.putRun({
      jobId: job.id,
      provider: commit.message.provider,
      purpose: 'first',
      state: 'committed',
      resultCid: null,
      outcome: null,
      signed: { commit: wireRecord(commit) },
      leaseExpiresAt: null,
      updatedAt: this.#now(),
    });
    const verifying = await this.deps.move(job.id, 'verifying', {
      from: ['committed'],
      detail: { replicas: 'committed' },
    });
    await this.advance(verifying);
  }

  /** A replica or arbiter committed to its answer. */
  async acceptCommit(job: JobRecord, commit: SignedMessage<'ResultCommit'>): Promise<void> {
    const run = await this.#runOf(job.id, commit.message.provider);
    if (run.state === 'committed' && sameCommit(run, commit)) return; // sent again
    if (run.state !== 'assigned') {
      throw new IdlegridError('RESULT_INVALID', `${run.provider} holds no run of job ${job.id} to commit`);
    }
    this.deps.registry.scheduler.recordCompletion(
      checkKey(job.id, run.provider),
      (this.#now() - run.updatedAt) / 1000,
    );
    await this.deps.store.putRun({
      ...run,
      state: 'committed',
      signed: { ...run.signed, commit: wireRecord(commit) },
      leaseExpiresAt: null,
      updatedAt: this.#now(),
    });
    await this.advance(job);
  }

  /** An answer, sent as a result, from a sampled job's audit or arbiter run. */
  async acceptCheck(job: JobRecord, answer: RunAnswer): Promise<void> {
    const run = await this.#runOf(job.id, answer.provider);
    if (run.state !== 'assigned') {
      throw new IdlegridError('RESULT_INVALID', `${answer.provider} holds no check of job ${job.id}`);
    }
    const key = checkKey(job.id, run.provider);
    this.deps.registry.scheduler.recordCompletion(key, answer.manifest.durationMs / 1000);
    await this.#record(job.id, run, answer);
    await this.advance(job);
  }

  /**
   * Each dispatcher pass, over the open jobs it listed: runs past their lease are lost, and
   * every checked job gets its next step (`advance` reads the job again).
   */
  async tick(open: readonly JobRecord[]): Promise<void> {
    for (const job of open) {
      const replicaRunning = (job.state === 'assigned' || job.state === 'running') && this.#replicated(job);
      if (job.state !== 'verifying' && !replicaRunning) continue;
      for (const run of await this.deps.store.runs(job.id)) {
        if (run.state === 'assigned' && run.leaseExpiresAt !== null && run.leaseExpiresAt < this.#now()) {
          await this.#lose(job.id, run);
        }
      }
      await this.advance(job);
    }
  }

  /**
   * A provider (re)joined holding `held`: any open run of it that it does not list was lost
   * with its restart (a sealed answer lives in memory), so it is given to another provider
   * rather than, later, punished as withheld. Runs that moved after `since` are left alone:
   * the hello may have crossed their assignment.
   */
  async reconcile(provider: Address, held: ReadonlySet<string>, since: number): Promise<void> {
    for (const job of await this.deps.store.list({
      states: ['assigned', 'running', 'verifying'],
      limit: 10_000,
    })) {
      if (held.has(job.id.toLowerCase()) || (job.state !== 'verifying' && !this.#replicated(job))) continue;
      const run = (await this.deps.store.runs(job.id)).find((r) => r.provider === provider);
      if (!run || !(run.state === 'assigned' || run.state === 'committed') || run.updatedAt > since) continue;
      this.deps.registry.recordOutcome(provider, 'timeout', this.#now());
      await this.#lose(job.id, run);
    }
  }

  /** Jobs this holds something of in memory, by what (see Dispatcher.heldJobs). */
  heldJobs(): Record<string, number> {
    return {
      verificationAdvancing: this.#advancing.size,
      verificationReserved: this.#reserved.size,
      verificationReplicated: this.#replicatedJobs.size,
    };
  }

  /** The job ended (accepted, expired, cancelled...): its checks still out are stopped and free their providers. */
  release(jobId: string): void {
    const reserved = this.#reserved.get(jobId);
    const replicated = this.#replicatedJobs.get(jobId);
    for (const key of reserved ?? []) this.deps.registry.scheduler.release(key);
    this.#reserved.delete(jobId);
    this.#replicatedJobs.delete(jobId);
    this.deps.canaries?.forgetJob(jobId);
    // Only a job that sent check runs (or replicas) can have one still out to stop.
    if (!reserved && !replicated) return;
    void this.deps.store
      .runs(jobId)
      .then((runs) => {
        for (const run of runs.filter((r) => r.state === 'assigned' || r.state === 'committed')) {
          const peer = this.deps.registry.get(run.provider)?.peer;
          if (peer) void this.deps.channel.send(peer, JOB_MESSAGES.cancel, { jobId }).catch(() => {});
        }
      })
      .catch(() => {});
  }

  /**
   * Takes the job's next step. One step at a time per job: an answer arriving while a pass works
   * on the same job must not settle it twice (two slashes for one lie). A step asked for
   * meanwhile runs right after.
   */
  async advance(job: JobRecord): Promise<void> {
    if (this.#advancing.has(job.id)) {
      this.#advancing.set(job.id, true);
      return;
    }
    try {
      do {
        this.#advancing.set(job.id, false);
        const current = await this.deps.store.get(job.id);
        const checked =
          current.state === 'verifying' ||
          (['assigned', 'running'].includes(current.state) && this.#replicated(current));
        if (checked && (await this.#step(current))) this.#advancing.set(job.id, true);
      } while (this.#advancing.get(job.id));
    } finally {
      this.#advancing.delete(job.id);
    }
  }

  /**
   * Starts the runs the policy still wants; once every run has committed, asks for the reveals;
   * once all have answered, decides if the answers allow it, else sends an arbiter. Returns
   * whether another step can follow at once.
   */
  async #step(job: JobRecord): Promise<boolean> {
    const spec = this.deps.specOf(job);
    const policy = this.policyOf(spec);
    const wanted = policy.kind === 'replicate' ? policy.replicas : 2;
    const runs = await this.deps.store.runs(job.id);
    if (policy.kind === 'canary' && this.deps.canaries) {
      const canary = await this.deps.canaries.step(job, spec, runs);
      if (canary === 'waiting') return false;
      if (canary === 'passed') {
        await this.#settle(
          job,
          spec,
          runs.filter((run) => run.purpose === 'first'),
          [],
          runs,
        );
        return false;
      }
    }
    // Before it commits, a replicated job's first run is the dispatcher's and not yet a run here.
    const firstOut = job.state === 'verifying' ? 0 : 1;
    const open = runs.filter((run) => run.state === 'assigned' || run.state === 'committed');
    const done = runs.filter((run) => run.state === 'done');
    const missing = wanted - firstOut - open.length - done.length;
    if (missing > 0) {
      const purpose = policy.kind === 'replicate' ? 'replica' : 'audit';
      const busy = [...runs];
      for (let i = 0; i < missing; i++) {
        const sent = await this.#dispatchCheck(job, spec, purpose, busy);
        if (!sent) break; // The next pass tries again.
        busy.push(sent);
      }
      return false;
    }
    if (firstOut || open.some((run) => run.state === 'assigned')) return false;
    if (open.length > 0) return this.#askReveals(job, spec, open);
    const comparator = comparatorFor(spec.runtime);
    const decided = verdict(
      await Promise.all(
        done.map(async (run) => {
          const manifest = manifestOf(run);
          const stdout = comparator.needsOutputs
            ? await this.deps.artifacts.bytes(manifest.stdoutCid).catch(() => undefined)
            : undefined;
          return { run, manifest, ...(stdout ? { stdout } : {}) };
        }),
      ),
      comparator,
    );
    if (decided) {
      await this.#settle(
        job,
        spec,
        decided.agreeing.map((a) => a.run),
        decided.dissenting.map((d) => d.run),
        runs,
      );
      return false;
    }
    if (done.length >= MAX_RUNS) {
      await this.deps.move(job.id, 'failed', {
        patch: {
          error: { code: 'RESULT_DISPUTED', message: `no answer won ${MAX_RUNS} runs` },
          leaseExpiresAt: null,
        },
        detail: { outcomes: done.map((run) => ({ provider: run.provider, outcome: run.outcome })) },
      });
      return false;
    }
    await this.#dispatchCheck(job, spec, 'arbiter', runs);
    return false;
  }

  /** Sends one more run of the job to a provider that has not run it; returns it, or undefined if none fits. */
  async #dispatchCheck(
    job: JobRecord,
    spec: JobSpec,
    purpose: JobRun['purpose'],
    runs: readonly JobRun[],
  ): Promise<JobRun | undefined> {
    const now = this.#now();
    const excluded = new Set<string>(runs.map((run) => run.provider));
    if (job.provider) excluded.add(job.provider);
    // A suspected ring never holds every run of a job: its members' mates are kept off it.
    for (const mate of this.deps.registry.collusion.keepApart([...excluded])) excluded.add(mate);
    const scheduler = this.deps.registry.scheduler;
    // Placed under a provisional key (the job's own holds its first run), then held under the run's.
    const request = { ...jobRequestOf(job, spec), id: `${job.id}/placing` };
    const placed = scheduler.place(request, now, excluded);
    if (!placed.placed) return undefined;
    const provider = placed.provider as Address;
    scheduler.release(request.id);
    scheduler.reserve({ ...request, id: checkKey(job.id, provider) }, provider);
    this.#reservationsOf(job.id).add(checkKey(job.id, provider));
    const leaseExpiresAt = Math.min(job.deadline, now + jobSeconds(spec) * 1000 + this.deps.leaseMs);
    const assignment = await this.deps.assignments.sign(spec, provider, leaseExpiresAt, now);
    const run: JobRun = {
      jobId: job.id,
      provider,
      purpose,
      state: 'assigned',
      resultCid: null,
      outcome: null,
      signed: { assignment: wireRecord(assignment) },
      leaseExpiresAt,
      updatedAt: now,
    };
    await this.deps.store.putRun(run);
    this.deps.onAssigned?.(spec, provider, leaseExpiresAt);
    const peer = this.deps.registry.get(provider)?.peer;
    try {
      if (!peer) throw new IdlegridError('PROVIDER_UNAVAILABLE', `${provider} is not connected`);
      const ack = jobAssignAckSchema.parse(
        await this.deps.channel.request(
          peer,
          JOB_MESSAGES.assign,
          this.deps.assignments.body(assignment, job.spec, { commitReveal: this.commitsFirst(spec) }),
          { timeoutMs: 10_000 },
        ),
      );
      if (!ack.accepted) throw new IdlegridError('PROVIDER_BUSY', ack.reason ?? 'refused');
      this.deps.leaseKeys?.leased(spec, provider, peer, leaseExpiresAt);
    } catch {
      await this.#lose(job.id, run);
    }
    return run;
  }

  /**
   * Every run has committed: each is asked for its answer, checked against its commitment.
   * A provider that does not answer is asked again on later passes until its reveal window (a
   * lease) closes: then, if it was reachable all along, it withheld its answer and is punished;
   * if it is gone, its run is only lost. Returns whether any run moved on.
   */
  async #askReveals(job: JobRecord, spec: JobSpec, committed: JobRun[]): Promise<boolean> {
    const outcomes = await Promise.all(
      committed.map(async (run) => {
        const now = this.#now();
        const closes = run.leaseExpiresAt ?? now + this.deps.leaseMs;
        if (run.leaseExpiresAt === null) await this.deps.store.putRun({ ...run, leaseExpiresAt: closes });
        let answer: RunAnswer;
        try {
          const peer = this.deps.registry.get(run.provider)?.peer;
          if (!peer) throw new IdlegridError('PROVIDER_UNAVAILABLE', `${run.provider} is not connected`);
          const body = await this.deps.channel.request(
            peer,
            JOB_MESSAGES.reveal,
            { jobId: job.id },
            { timeoutMs: 10_000 },
          );
          answer = await readRunAnswer(this.deps, run.provider, body);
        } catch {
          if (this.#now() < closes) return false;
          if (!this.deps.registry.isOnline(run.provider, this.#now())) {
            this.deps.registry.recordOutcome(run.provider, 'timeout', this.#now());
            await this.#lose(job.id, run);
          } else await this.#punishRun(job, spec, run, 'reveal-withheld');
          return true;
        }
        if (!revealsCommitment(run, answer)) {
          const revealed = { ...run, signed: { ...run.signed, reveal: wireRecord(answer.reveal) } };
          await this.#punishRun(job, spec, revealed, 'reveal-mismatch');
          return true;
        }
        await this.#record(job.id, run, answer);
        return true;
      }),
    );
    return outcomes.some(Boolean);
  }

  /** A run that did not keep its commitment is punished at once; its punishment shows when the job settles. */
  async #punishRun(job: JobRecord, spec: JobSpec, run: JobRun, reason: SlashReason): Promise<void> {
    const punishment = await punish(this.deps, {
      ...offenceOn(job, spec),
      accused: run.provider,
      reason,
      runs: [run],
      now: this.#now(),
    });
    await this.deps.store.putRun({
      ...run,
      state: 'withheld',
      signed: { ...run.signed, punishment },
      updatedAt: this.#now(),
    });
  }

  async #settle(job: JobRecord, spec: JobSpec, agreeing: JobRun[], dissenting: JobRun[], runs: JobRun[]) {
    this.release(job.id);
    await settle(this.deps, { job, spec, agreeing, dissenting, runs, now: this.#now() });
  }

  /** A run's answer: kept for comparison, or, if it could not run the job, the run is lost. */
  async #record(jobId: string, run: JobRun, answer: RunAnswer): Promise<void> {
    if (answer.manifest.exitCode < 0) {
      // It could not run the job (a fetch failed...): no answer to compare; another provider runs it.
      await this.deps.store.putRun({ ...run, state: 'lost', updatedAt: this.#now() });
    } else {
      await this.deps.store.putRun(this.#doneRun(jobId, run.purpose, answer, run.signed));
    }
  }

  async #lose(jobId: string, run: JobRun): Promise<void> {
    this.deps.registry.scheduler.release(checkKey(jobId, run.provider));
    await this.deps.store.putRun({ ...run, state: 'lost', updatedAt: this.#now() });
  }

  async #runOf(jobId: string, provider: Address): Promise<JobRun> {
    const run = (await this.deps.store.runs(jobId)).find((r) => r.provider === provider);
    if (!run) throw new IdlegridError('RESULT_INVALID', `${provider} holds no run of job ${jobId}`);
    return run;
  }

  #reservationsOf(jobId: string): Set<string> {
    const existing = this.#reserved.get(jobId);
    if (existing) return existing;
    const created = new Set<string>();
    this.#reserved.set(jobId, created);
    return created;
  }

  #doneRun(
    jobId: string,
    purpose: JobRun['purpose'],
    answer: RunAnswer,
    signed: Record<string, unknown>,
  ): JobRun {
    return {
      jobId,
      provider: answer.provider,
      purpose,
      state: 'done',
      resultCid: answer.resultCid,
      outcome: outcomeDigest(answer.manifest),
      signed: { ...signed, reveal: wireRecord(answer.reveal), manifest: answer.manifest },
      leaseExpiresAt: null,
      updatedAt: this.#now(),
    };
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

/** The scheduler reservation of a check run: one per provider of the job. */
function checkKey(jobId: string, provider: string): string {
  return `${jobId}/${provider}`;
}

function manifestOf(run: JobRun): ResultManifest {
  return run.signed.manifest as ResultManifest;
}

function commitOf(run: JobRun): SignedMessage<'ResultCommit'> {
  return run.signed.commit as SignedMessage<'ResultCommit'>;
}

function sameCommit(run: JobRun, commit: SignedMessage<'ResultCommit'>): boolean {
  return commitOf(run).message.commitment === commit.message.commitment;
}

/** The revealed answer is the one committed to: its CID and salt hash to the signed commitment. */
function revealsCommitment(run: JobRun, answer: RunAnswer): boolean {
  const { jobId, outputCid, salt } = answer.reveal.message;
  return (
    answer.manifest.jobId === run.jobId &&
    resultCommitment({ jobId, provider: run.provider, outputCid, salt }) === commitOf(run).message.commitment
  );
}
