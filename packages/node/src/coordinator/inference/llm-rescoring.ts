import { randomBytes } from 'node:crypto';
import {
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  PRIVATE_JOB,
  type ResultManifest,
  signMessage,
} from '@idlegrid/protocol';
import { llmAnswerSchema, llmJobArgs, type PlausibilityVerdict, tokenBudgetOf } from '@idlegrid/protocol/llm';
import { decryptArtifact, publicKeyOf, unwrapKey } from '@idlegrid/protocol/privacy';
import { type Address, bytesToHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { JobRecord, JobRun, JobStore, TransitionOptions } from '../../jobs/api.js';
import { JOB_MESSAGES, jobAssignAckSchema, wireRecord } from '../../jobs/wire.js';
import type { MessageChannel } from '../../p2p/api.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { outcomeDigest } from '../../verify/compare.js';
import type { AssignmentSigner } from '../assignment-signer.js';
import { specOf } from '../dispatcher.js';
import type { VerificationSettings } from '../job-intake.js';
import { jobPolicy } from '../job-policy.js';
import type { LeaseKeyRelay } from '../lease-keys.js';
import type { ProviderRegistry } from '../provider-registry.js';
import { type Punishment, punish, type Slasher } from '../punishment.js';
import type { RunAnswer } from '../run-answer.js';
import { jobRequestOf } from '../scheduler-views.js';

const CHECK_SPEC_LIFETIME_SECONDS = 300n;

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
  /** A check was assigned: its checker may read the owned artifacts it names (see DispatcherDeps.onAssigned). */
  onAssigned?: (spec: JobSpec, provider: Address, leaseExpiresAt: number) => void;
  /** Asks a private job's client for its check's keys. */
  leaseKeys?: LeaseKeyRelay;
  random?: () => number;
  now?: () => number;
}

interface CheckInFlight {
  jobId: string;
  checkId: Hex;
  checker: Address;
  leaseExpiresAt: number;
  /** The check's one-off client key: a private job's verdict is sealed to it. */
  key: Hex;
}

/**
 * Verifies `llm` answers by re-scoring instead of running them again: a sampled job's first
 * answer waits in `verifying` while another provider holding the same model scores its tokens
 * under the prompt (a `--rescore` job: one teacher-forced pass, a prefill's cost) and judges
 * them. A plausible answer is accepted and its provider paid; an implausible one is punished
 * (slashed, with the signed answer and the verdict as evidence) and the job runs again
 * elsewhere. The check is sent under a fresh client key and is not paid. Its inputs are the
 * job's request and the answer, and its output is the verdict alone: so a private job is
 * checked too, with its inputs sealed, the client handing the checker their keys as for any
 * lease (lease-keys.ts) and the verdict sealed to the check's key. Checks in flight live in
 * memory; after a restart each is sent again.
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
    const policy = jobPolicy(spec, this.deps.settings);
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
    const verdict = await this.#verdictOf(answer.manifest, check.key);
    if (!verdict) {
      // The checker could not score it: no verdict; the next pass asks another.
      this.deps.registry.recordOutcome(answer.provider, 'failed', this.#now());
      const failed = this.#failedCheckers.get(job.id) ?? new Set<Address>();
      this.#failedCheckers.set(job.id, failed.add(answer.provider));
      return;
    }
    this.#failedCheckers.delete(job.id);
    this.deps.registry.recordOutcome(answer.provider, 'verified', this.#now());
    if (verdict.plausible) return this.#accept(job, first, verdict, answer.provider);
    await this.#reject(job, first, verdict, answer);
  }

  /** The checker's verdict (opened with the check's key when sealed); undefined when it gave none. */
  async #verdictOf(manifest: ResultManifest, key: Hex): Promise<PlausibilityVerdict | undefined> {
    if (manifest.errorCode === 'LLM_ANSWER_INVALID') {
      return {
        plausible: false,
        reason: 'the answer is no llm generation',
        meanLogprob: 0,
        implausibleTokens: 0,
      };
    }
    if (manifest.exitCode !== 0) return undefined;
    try {
      let stdout = await this.deps.artifacts.bytes(manifest.stdoutCid);
      if (manifest.sealed) {
        const artifactKey = unwrapKey(manifest.sealed.key as Hex, key);
        stdout = (await decryptArtifact(artifactKey, stdout)).plaintext;
      }
      const parsed = llmAnswerSchema.safeParse(JSON.parse(new TextDecoder().decode(stdout)));
      if (!parsed.success || parsed.data.kind !== 'verdict') return undefined;
      const { kind: _kind, usage: _usage, ...verdict } = parsed.data;
      return verdict;
    } catch {
      return undefined;
    }
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

  /** Sends a check of the job's first answer to another provider holding its model. */
  async #send(job: JobRecord): Promise<void> {
    const first = await this.#firstRun(job.id);
    if (!first) return;
    const spec = specOf(job);
    const answer = first.signed.manifest as ResultManifest;
    const request = spec.inputCids[0];
    if (!request) return; // no request: its provider failed it, and the job was no first answer
    const now = this.#now();
    const key = generatePrivateKey();
    const client = privateKeyToAccount(key);
    const message: JobSpec = {
      ...spec,
      client: client.address,
      jobId: bytesToHex(randomBytes(32)),
      inputCids: [request, answer.stdoutCid],
      args: llmJobArgs(tokenBudgetOf(spec.args), { rescore: true }),
      verification: '',
      nonce: BigInt(now) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
      // Signed now: the job's own spec may have expired while it ran.
      expiry: BigInt(Math.floor(now / 1000)) + CHECK_SPEC_LIFETIME_SECONDS,
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
      // Known before it is sent: a quick verdict can come back before the acknowledgement does.
      const check = { jobId: job.id, checkId: message.jobId, checker, leaseExpiresAt, key };
      this.#checks.set(job.id, check);
      this.#byCheck.set(message.jobId.toLowerCase(), job.id);
      this.deps.onAssigned?.(message, checker, leaseExpiresAt);
      const ack = await this.deps.channel
        .request(peer, JOB_MESSAGES.assign, this.deps.assignments.body(assignment, signed), {
          timeoutMs: 10_000,
        })
        .then((answer) => jobAssignAckSchema.parse(answer))
        .catch(() => ({ accepted: false }));
      // Refused or unreachable: the next pass asks another.
      if (!ack.accepted && this.#checks.get(job.id) === check) return this.#forget(check);
      if (ack.accepted && spec.privacy === PRIVATE_JOB && answer.sealed) {
        this.deps.leaseKeys?.leased(message, checker, peer, leaseExpiresAt, {
          job: { id: job.id, client: spec.client },
          signer: client,
          announcement: {
            jobId: message.jobId,
            spec: wireRecord(signed),
            replyKey: bytesToHex(publicKeyOf(key)),
            answerKey: answer.sealed.key as Hex,
          },
        });
      }
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

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
