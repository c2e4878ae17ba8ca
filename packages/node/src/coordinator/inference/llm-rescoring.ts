import { randomBytes } from 'node:crypto';
import { IdlegridError, type JobSpec, type NetworkDomain, signMessage } from '@idlegrid/protocol';
import { type Address, bytesToHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { JobRecord, JobRun, JobStore, TransitionOptions } from '../../jobs/api.js';
import { JOB_MESSAGES, jobAssignAckSchema, wireRecord } from '../../jobs/wire.js';
import type { MessageChannel } from '../../p2p/api.js';
import {
  type GenerationRequest,
  type LlmGeneration,
  llmJobArgs,
  llmRequestSchema,
} from '../../runtimes/llm/api.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { outcomeDigest } from '../../verify/compare.js';
import { judgeGeneration, type PlausibilityVerdict } from '../../verify/llm-plausibility.js';
import { parseVerification } from '../../verify/policy.js';
import type { AssignmentSigner } from '../assignment-signer.js';
import { specOf } from '../dispatcher.js';
import type { VerificationSettings } from '../job-intake.js';
import type { ProviderRegistry } from '../provider-registry.js';
import { type Punishment, punish, type Slasher } from '../punishment.js';
import type { RunAnswer } from '../run-answer.js';
import { jobRequestOf } from '../scheduler-views.js';
import { llmAnswerSchema } from './llm-answer.js';
import { tokenBudget } from './token-budget.js';

export interface LlmRescoringDeps {
  store: JobStore;
  registry: ProviderRegistry;
  scheduler: Scheduler;
  channel: MessageChannel;
  assignments: AssignmentSigner;
  artifacts: ArtifactStore;
  domain: NetworkDomain;
  settings: VerificationSettings;
  leaseMs: number;
  move: (id: string, to: JobRecord['state'], options: TransitionOptions) => Promise<JobRecord>;
  /** The dispatcher's retry: the job goes back to the queue, away from `job.provider`. */
  retry: (job: JobRecord, code: string, message: string) => Promise<void>;
  slash?: Slasher;
  random?: () => number;
  now?: () => number;
}

interface CheckInFlight {
  jobId: string;
  checkId: Hex;
  checker: Address;
  leaseExpiresAt: number;
}

/**
 * Verifies `llm` answers by re-scoring instead of running them again: a sampled job's first
 * answer waits in `verifying` while another provider holding the same model scores its tokens
 * under the prompt (a `score` request: one teacher-forced pass, a prefill's cost). A plausible
 * answer is accepted and its provider paid; an implausible one is punished (slashed, with the
 * signed answer and the verdict as evidence) and the job runs again elsewhere. Like a canary,
 * the check is sent under a fresh client key, so that nothing tells it from any job, and is
 * not paid. Checks in flight live in memory; after a restart each is sent again.
 */
export class LlmRescoring {
  readonly #checks = new Map<string, CheckInFlight>();
  /** Providers that could not score a job's answer: its next check goes to another. */
  readonly #failedCheckers = new Map<string, Set<Address>>();
  /** Check ids (lower case) to the job they check. */
  readonly #byCheck = new Map<string, string>();

  constructor(private readonly deps: LlmRescoringDeps) {}

  /** Whether this first answer is re-scored (the job's `sample:P` policy; probation raises the odds). */
  chooses(spec: JobSpec, provider: Address): boolean {
    const policy = parseVerification(spec.verification, this.deps.settings);
    if (policy.kind !== 'sample') return false;
    const probability = this.deps.registry.reputation.samplingFor(provider, policy.probability);
    return (this.deps.random ?? Math.random)() < probability;
  }

  isCheck(jobId: string): boolean {
    return this.#byCheck.has(jobId.toLowerCase());
  }

  /** The first answer is in: keep it as the job's first run, hold the job in `verifying`, send the check. */
  async begin(job: JobRecord, answer: RunAnswer): Promise<void> {
    await this.deps.store.putRun({
      jobId: job.id,
      provider: answer.provider,
      purpose: 'first',
      state: 'done',
      resultCid: answer.resultCid,
      outcome: outcomeDigest(answer.manifest),
      signed: { reveal: wireRecord(answer.reveal), manifest: answer.manifest },
      leaseExpiresAt: null,
      updatedAt: this.#now(),
    });
    const verifying = await this.deps.move(job.id, 'verifying', {
      patch: { leaseExpiresAt: null },
      detail: { check: 'rescore' },
    });
    await this.#send(verifying);
  }

  /** Each pass: a verifying llm job without a live check (lost, or the coordinator restarted) gets a new one. */
  async tick(verifying: readonly JobRecord[]): Promise<void> {
    for (const job of verifying) {
      const check = this.#checks.get(job.id);
      if (check && check.leaseExpiresAt >= this.#now()) continue;
      if (check) this.#forget(check);
      await this.#send(job).catch(() => {});
    }
  }

  /** A checker answered: the job is accepted, or its first provider punished and the job retried. */
  async answered(answer: RunAnswer): Promise<void> {
    const jobId = this.#byCheck.get(answer.manifest.jobId.toLowerCase());
    const check = jobId ? this.#checks.get(jobId) : undefined;
    if (!check || check.checker !== answer.provider) {
      throw new IdlegridError(
        'RESULT_INVALID',
        `no check ${answer.manifest.jobId} of ${answer.provider} is in flight`,
      );
    }
    this.#forget(check);
    const job = await this.deps.store.get(check.jobId);
    const first = await this.#firstRun(job.id);
    if (job.state !== 'verifying' || !first) return;
    const scores = llmAnswerSchema.safeParse(await this.#json(answer.manifest.stdoutCid));
    if (answer.manifest.exitCode !== 0 || !scores.success || scores.data.kind !== 'score') {
      // The checker could not score it: no verdict; the next pass asks another.
      this.deps.registry.recordOutcome(answer.provider, 'failed', this.#now());
      const failed = this.#failedCheckers.get(job.id) ?? new Set<Address>();
      this.#failedCheckers.set(job.id, failed.add(answer.provider));
      return;
    }
    this.#failedCheckers.delete(job.id);
    this.deps.registry.recordOutcome(answer.provider, 'verified', this.#now());
    const generation = await this.#generationOf(first);
    const verdict = generation
      ? judgeGeneration(generation, scores.data)
      : { plausible: false, reason: 'the answer is no llm generation', meanLogprob: 0, implausibleTokens: 0 };
    if (verdict.plausible) return this.#accept(job, first, verdict, answer.provider);
    await this.#reject(job, first, verdict, answer);
  }

  async #accept(
    job: JobRecord,
    first: JobRun,
    verdict: PlausibilityVerdict,
    checker: Address,
  ): Promise<void> {
    const spec = specOf(job);
    const manifest = first.signed.manifest as RunAnswer['manifest'];
    const charge = this.deps.registry.charge(first.provider, spec, manifest);
    this.deps.registry.recordOutcome(first.provider, 'verified', this.#now());
    this.deps.scheduler.release(job.id);
    await this.deps.store.putRun({ ...first, charge: charge.toString(), updatedAt: this.#now() });
    await this.deps.move(job.id, 'accepted', {
      from: ['verifying'],
      patch: {
        price: charge.toString(),
        resultCid: first.resultCid,
        provider: first.provider,
        leaseExpiresAt: null,
      },
      detail: { verification: { check: 'rescore', checker, verdict } },
    });
  }

  async #reject(
    job: JobRecord,
    first: JobRun,
    verdict: PlausibilityVerdict,
    check: RunAnswer,
  ): Promise<void> {
    const spec = specOf(job);
    const punishment: Punishment = await punish(this.deps, {
      jobId: job.id,
      spec: job.spec,
      jobValue: spec.maxPrice,
      accused: first.provider,
      reason: 'implausible-answer',
      runs: [
        first,
        {
          provider: check.provider,
          outcome: outcomeDigest(check.manifest),
          signed: { reveal: wireRecord(check.reveal) },
        },
      ],
      challenger: check.provider,
      now: this.#now(),
    });
    // No longer the job's answer: the next run's answer is the one checked.
    await this.deps.store.putRun({
      ...first,
      state: 'lost',
      signed: { ...first.signed, punishment, verdict },
      updatedAt: this.#now(),
    });
    await this.deps.retry(
      { ...job, provider: first.provider },
      'RESULT_DISPUTED',
      `the answer failed re-scoring: ${verdict.reason}`,
    );
  }

  /** Sends a score request for the job's first answer to another provider holding its model. */
  async #send(job: JobRecord): Promise<void> {
    const first = await this.#firstRun(job.id);
    const generation = first ? await this.#generationOf(first) : undefined;
    const request = await this.#requestOf(job);
    if (!first || !generation || !request) {
      // Nothing to score (a malformed answer is no answer): the job runs again elsewhere.
      if (first)
        await this.deps.retry(
          { ...job, provider: first.provider },
          'RESULT_INVALID',
          'the answer is no llm generation',
        );
      return;
    }
    const spec = specOf(job);
    const score = llmRequestSchema.parse({ kind: 'score', request, tokens: generation.tokens });
    const input = await this.deps.artifacts.put(new TextEncoder().encode(JSON.stringify(score)));
    const now = this.#now();
    const client = privateKeyToAccount(generatePrivateKey());
    const message: JobSpec = {
      ...spec,
      client: client.address,
      jobId: bytesToHex(randomBytes(32)),
      inputCids: [input.cid],
      args: llmJobArgs(tokenBudget(score)),
      verification: '',
      nonce: BigInt(now) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
    };
    const excluded = new Set<string>([first.provider, ...(this.#failedCheckers.get(job.id) ?? [])]);
    const placed = this.deps.scheduler.place(jobRequestOf({ id: message.jobId }, message), now, excluded);
    if (!placed.placed) return; // no other holder of the model now: the next pass tries again
    const checker = placed.provider as Address;
    try {
      const peer = this.deps.registry.get(checker)?.peer;
      if (!peer) return;
      const signed = await signMessage(client, this.deps.domain, 'JobSpec', message);
      const leaseExpiresAt = now + this.deps.leaseMs * 2;
      const assignment = await this.deps.assignments.sign(message, checker, leaseExpiresAt, now);
      // Known before it is sent: a quick score can come back before the acknowledgement does.
      const check = { jobId: job.id, checkId: message.jobId, checker, leaseExpiresAt };
      this.#checks.set(job.id, check);
      this.#byCheck.set(message.jobId.toLowerCase(), job.id);
      const ack = await this.deps.channel
        .request(peer, JOB_MESSAGES.assign, { assignment, spec: signed }, { timeoutMs: 10_000 })
        .then((answer) => jobAssignAckSchema.parse(answer))
        .catch(() => ({ accepted: false }));
      // Refused or unreachable: the next pass asks another.
      if (!ack.accepted && this.#checks.get(job.id) === check) this.#forget(check);
    } finally {
      // Unpaid and short: the check holds no resources in the scheduler's books.
      this.deps.scheduler.release(message.jobId);
    }
  }

  #forget(check: CheckInFlight): void {
    this.#checks.delete(check.jobId);
    this.#byCheck.delete(check.checkId.toLowerCase());
  }

  async #firstRun(jobId: string): Promise<JobRun | undefined> {
    return (await this.deps.store.runs(jobId)).find((run) => run.purpose === 'first' && run.state === 'done');
  }

  async #generationOf(run: JobRun): Promise<LlmGeneration | undefined> {
    const manifest = run.signed.manifest as RunAnswer['manifest'] | undefined;
    const parsed = llmAnswerSchema.safeParse(manifest ? await this.#json(manifest.stdoutCid) : undefined);
    return parsed.success && (parsed.data.kind === 'chat' || parsed.data.kind === 'completion')
      ? parsed.data
      : undefined;
  }

  async #requestOf(job: JobRecord): Promise<GenerationRequest | undefined> {
    const cid = specOf(job).inputCids[0];
    const parsed = llmRequestSchema.safeParse(cid ? await this.#json(cid) : undefined);
    return parsed.success && parsed.data.kind !== 'embedding' && parsed.data.kind !== 'score'
      ? parsed.data
      : undefined;
  }

  async #json(cid: string): Promise<unknown> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.deps.artifacts.bytes(cid)));
    } catch {
      return undefined;
    }
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
