import {
  IdlegridError,
  type JobSpec,
  parseWireJson,
  type ResultManifest,
  type SignedMessage,
  toWireJson,
} from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import type { JobRecord, JobRun, JobStore, TransitionOptions } from '../jobs/api.js';
import { jobSeconds } from '../jobs/job-size.js';
import { JOB_MESSAGES, jobAssignAckSchema } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { exactComparator, outcomeDigest, verdict } from '../verify/compare.js';
import { evidenceBytes, evidenceHash, type SlashEvidence } from '../verify/evidence.js';
import { parseVerification } from '../verify/policy.js';
import type { AssignmentSigner } from './assignment-signer.js';
import type { VerificationSettings } from './job-intake.js';
import type { ProviderRegistry } from './provider-registry.js';
import { jobRequestOf } from './scheduler-views.js';

/** Runs of one job before a dispute without a decisive answer fails it. */
const MAX_RUNS = 7;

/** A run's answer as it arrived: the manifest it names and the reveal its provider signed. */
export interface RunAnswer {
  provider: Address;
  manifest: ResultManifest;
  resultCid: string;
  reveal: SignedMessage<'ResultReveal'>;
}

/** Slashes the provider found wrong on-chain; resolves the transaction hash (none when nothing was left to slash). */
export type Slasher = (args: {
  provider: Address;
  jobValue: bigint;
  evidenceHash: Hex;
  /** Who exposed it: the provider of the check whose answer won. */
  challenger: Address;
}) => Promise<string | undefined>;

export interface ResultVerificationDeps {
  store: JobStore;
  registry: ProviderRegistry;
  channel: MessageChannel;
  assignments: AssignmentSigner;
  artifacts: ArtifactStore;
  settings: VerificationSettings;
  leaseMs: number;
  /** Persists a transition and publishes it (the dispatcher's). */
  move: (id: string, to: JobRecord['state'], options: TransitionOptions) => Promise<JobRecord>;
  specOf: (job: JobRecord) => JobSpec;
  slash?: Slasher;
  random?: () => number;
  now?: () => number;
}

/**
 * Sampling (`sample(p)`): a sampled job's first answer is held in `verifying` while another,
 * independent provider runs the same job; neither can tell an audit from a first run (same
 * signed spec, same assignment). Answers are compared on their outcome digest. Agreement
 * accepts the job; disagreement brings more providers, one at a time, until one answer has
 * three runs and a majority (see `verdict`): each provider in the minority loses reputation and
 * is slashed with the stored evidence, and the client gets (and pays for) that answer. One check runs at a time; a check whose
 * provider vanished or refused is given to yet another provider.
 */
export class ResultVerification {
  /** Jobs being advanced now, and whether another step was asked for meanwhile. */
  readonly #advancing = new Map<string, boolean>();

  constructor(private readonly deps: ResultVerificationDeps) {}

  /** Whether this first answer is audited before it is accepted (probation raises the odds). */
  chooses(spec: JobSpec, provider: Address): boolean {
    const policy = parseVerification(spec.verification, this.deps.settings);
    if (policy.kind !== 'sample') return false;
    const probability = this.deps.registry.reputation.samplingFor(provider, policy.probability);
    return (this.deps.random ?? Math.random)() < probability;
  }

  /** The first answer will be audited: it is recorded, the job waits in `verifying`, the audit goes out. */
  async begin(job: JobRecord, first: RunAnswer): Promise<void> {
    await this.deps.store.putRun(this.#doneRun(job.id, 'first', first, {}));
    const verifying = await this.deps.move(job.id, 'verifying', { detail: { audit: 'sampled' } });
    await this.#advance(verifying);
  }

  /** An answer from an audit or arbiter run. */
  async acceptCheck(job: JobRecord, answer: RunAnswer): Promise<void> {
    const run = (await this.deps.store.runs(job.id)).find((r) => r.provider === answer.provider);
    if (run?.state !== 'assigned') {
      throw new IdlegridError('RESULT_INVALID', `${answer.provider} holds no check of job ${job.id}`);
    }
    const scheduler = this.deps.registry.scheduler;
    scheduler.recordCompletion(checkKey(job.id, run.purpose), answer.manifest.durationMs / 1000);
    if (answer.manifest.exitCode < 0) {
      // It could not run the job (a fetch failed...): no answer to compare; another provider checks.
      await this.deps.store.putRun({ ...run, state: 'lost', updatedAt: this.#now() });
    } else {
      await this.deps.store.putRun(this.#doneRun(job.id, run.purpose, answer, run.signed));
    }
    await this.#advance(job);
  }

  /** Each dispatcher pass: checks whose lease ran out are lost, and every verifying job gets its next step. */
  async tick(): Promise<void> {
    const now = this.#now();
    for (const job of await this.deps.store.list({ states: ['verifying'], limit: 1_000 })) {
      for (const run of await this.deps.store.runs(job.id)) {
        if (run.state === 'assigned' && run.leaseExpiresAt !== null && run.leaseExpiresAt < now) {
          await this.#lose(job.id, run);
        }
      }
      await this.#advance(job);
    }
  }

  /** The job ended (expired...): checks in flight no longer hold their providers. */
  release(jobId: string): void {
    for (const purpose of ['audit', 'arbiter'] as const)
      this.deps.registry.scheduler.release(checkKey(jobId, purpose));
  }

  /**
   * One step at a time per job: an answer arriving while a pass works on the same job must not
   * settle it twice (two slashes for one lie). A step asked for meanwhile runs right after.
   */
  async #advance(job: JobRecord): Promise<void> {
    if (this.#advancing.has(job.id)) {
      this.#advancing.set(job.id, true);
      return;
    }
    try {
      do {
        this.#advancing.set(job.id, false);
        const current = await this.deps.store.get(job.id);
        if (current.state === 'verifying') await this.#step(current);
      } while (this.#advancing.get(job.id));
    } finally {
      this.#advancing.delete(job.id);
    }
  }

  /** Decides if the answers allow it; else sends the next check, unless one is out. */
  async #step(job: JobRecord): Promise<void> {
    const runs = await this.deps.store.runs(job.id);
    if (runs.some((run) => run.state === 'assigned')) return;
    const done = runs.filter((run) => run.state === 'done');
    if (done.length >= 2) {
      const decided = verdict(
        done.map((run) => ({ run, manifest: manifestOf(run) })),
        exactComparator,
      );
      if (decided)
        return this.#settle(
          job,
          decided.agreeing.map((a) => a.run),
          decided.dissenting.map((d) => d.run),
        );
      if (done.length >= MAX_RUNS) {
        this.release(job.id);
        await this.deps.move(job.id, 'failed', {
          patch: {
            error: { code: 'RESULT_DISPUTED', message: `no answer won ${MAX_RUNS} runs` },
            leaseExpiresAt: null,
          },
          detail: { outcomes: done.map((run) => ({ provider: run.provider, outcome: run.outcome })) },
        });
        return;
      }
    }
    await this.#dispatchCheck(job, done.length >= 2 ? 'arbiter' : 'audit', runs);
  }

  async #dispatchCheck(job: JobRecord, purpose: 'audit' | 'arbiter', runs: JobRun[]): Promise<void> {
    const spec = this.deps.specOf(job);
    const now = this.#now();
    const excluded = new Set<string>(runs.map((run) => run.provider));
    const request = { ...jobRequestOf(job, spec), id: checkKey(job.id, purpose) };
    const outcome = this.deps.registry.scheduler.place(request, now, excluded);
    if (!outcome.placed) return; // The next pass tries again.
    const provider = outcome.provider as Address;
    const leaseExpiresAt = Math.min(job.deadline, now + jobSeconds(spec) * 1000 + this.deps.leaseMs);
    const assignment = await this.deps.assignments.sign(spec, provider, leaseExpiresAt, now);
    const run: JobRun = {
      jobId: job.id,
      provider,
      purpose,
      state: 'assigned',
      resultCid: null,
      outcome: null,
      signed: { assignment: wire(assignment) },
      leaseExpiresAt,
      updatedAt: now,
    };
    await this.deps.store.putRun(run);
    const peer = this.deps.registry.get(provider)?.peer;
    try {
      if (!peer) throw new IdlegridError('PROVIDER_UNAVAILABLE', `${provider} is not connected`);
      const ack = jobAssignAckSchema.parse(
        await this.deps.channel.request(
          peer,
          JOB_MESSAGES.assign,
          { assignment, spec: job.spec },
          { timeoutMs: 10_000 },
        ),
      );
      if (!ack.accepted) throw new IdlegridError('PROVIDER_BUSY', ack.reason ?? 'refused');
    } catch {
      await this.#lose(job.id, run);
    }
  }

  /** The majority's answer is the job's: the minority is slashed, the majority's provider is paid. */
  async #settle(job: JobRecord, agreeing: JobRun[], dissenting: JobRun[]): Promise<void> {
    const spec = this.deps.specOf(job);
    const now = this.#now();
    const winner = agreeing.find((run) => run.purpose === 'first') ?? agreeing[0]!;
    const challenger = agreeing.find((run) => run.purpose !== 'first') ?? winner;
    const slashed: { provider: Address; evidenceCid: string; evidenceHash: Hex; transaction?: string }[] = [];
    for (const loser of dissenting) {
      this.deps.registry.recordOutcome(loser.provider, 'disputeLost', now);
      const evidence = this.#evidence(job, loser, agreeing, dissenting);
      const stored = await this.deps.artifacts.put(evidenceBytes(evidence));
      const hash = evidenceHash(evidence);
      let outcome: { transaction?: string; slashError?: string } = {};
      try {
        const transaction = await this.deps.slash?.({
          provider: loser.provider,
          jobValue: spec.maxPrice,
          evidenceHash: hash,
          challenger: challenger.provider,
        });
        if (transaction) outcome = { transaction };
      } catch (error) {
        // The verdict stands and the evidence is kept: a failed slash can be sent again from it.
        outcome = { slashError: error instanceof Error ? error.message : String(error) };
      }
      slashed.push({ provider: loser.provider, evidenceCid: stored.cid, evidenceHash: hash, ...outcome });
    }
    for (const run of agreeing) this.deps.registry.recordOutcome(run.provider, 'verified', now);
    const price = this.deps.registry.charge(winner.provider, spec, manifestOf(winner).durationMs);
    await this.deps.move(job.id, 'accepted', {
      from: ['verifying'],
      patch: {
        provider: winner.provider,
        resultCid: winner.resultCid,
        price: price.toString(),
        leaseExpiresAt: null,
      },
      detail: {
        verification: {
          runs: agreeing.length + dissenting.length,
          agreeing: agreeing.map((run) => run.provider),
          slashed,
        },
      },
    });
  }

  #evidence(job: JobRecord, accused: JobRun, agreeing: JobRun[], dissenting: JobRun[]): SlashEvidence {
    const asRun = (run: JobRun) => ({
      provider: run.provider,
      ...(run.signed.assignment ? { assignment: run.signed.assignment as SignedMessage<'Assignment'> } : {}),
      reveal: run.signed.reveal as SignedMessage<'ResultReveal'>,
      outcomeDigest: run.outcome ?? '',
    });
    return {
      jobId: job.id as Hex,
      spec: job.spec as SignedMessage<'JobSpec'>,
      accused: accused.provider,
      runs: [...agreeing, ...dissenting].map(asRun),
      verdict: {
        winningDigest: agreeing[0]!.outcome ?? '',
        agreeing: agreeing.map((run) => run.provider),
        dissenting: dissenting.map((run) => run.provider),
      },
    };
  }

  async #lose(jobId: string, run: JobRun): Promise<void> {
    this.deps.registry.scheduler.release(checkKey(jobId, run.purpose));
    await this.deps.store.putRun({ ...run, state: 'lost', updatedAt: this.#now() });
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
      signed: { ...signed, reveal: wire(answer.reveal), manifest: answer.manifest },
      leaseExpiresAt: null,
      updatedAt: this.#now(),
    };
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

/** The scheduler reservation of a job's check run: one audit and one arbiter at a time. */
function checkKey(jobId: string, purpose: JobRun['purpose']): string {
  return `${jobId}/${purpose}`;
}

function manifestOf(run: JobRun): ResultManifest {
  return run.signed.manifest as ResultManifest;
}

/** Signed messages are kept in wire form (bigints as strings), as they travel and as evidence. */
function wire(message: unknown): Record<string, unknown> {
  return parseWireJson(toWireJson(message)) as Record<string, unknown>;
}
