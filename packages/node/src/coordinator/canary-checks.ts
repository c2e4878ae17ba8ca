import { randomBytes } from 'node:crypto';
import {
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  PRIVATE_JOB,
  parseMessage,
  signMessage,
} from '@idlegrid/protocol';
import {
  encryptArtifact,
  type LeaseSecrets,
  newArtifactKey,
  privateOutcome,
  publicKeyOf,
  sealLeaseSecrets,
} from '@idlegrid/protocol/privacy';
import { bytesToHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { JobRecord, JobRun, JobStore } from '../jobs/api.js';
import { jobSeconds } from '../jobs/job-size.js';
import { JOB_MESSAGES, jobAssignAckSchema, wireRecord } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import { peerIdToAddress, publicKeyOfPeer } from '../p2p/identity.js';
import { outcomeDigest, sealedOutcomeDigest } from '../verify/compare.js';
import type { AssignmentSigner } from './assignment-signer.js';
import { type CanaryPool, canarySpecShape, type KnownAnswer } from './canary-pool.js';
import { type PunishDeps, type Punishment, punish } from './punishment.js';
import type { RunAnswer } from './run-answer.js';

/** A canary sent to the provider of a job under the `canary` policy, kept with that job's first run. */
export interface CanaryRecord {
  /** The canary's own job id (not a job of the store). */
  jobId: Hex;
  label: string;
  /** The canary's signed spec and assignment, in wire form: evidence if it fails. */
  spec: Record<string, unknown>;
  assignment: Record<string, unknown>;
  /** The known answer's outcome digest. */
  digest: string;
  state: 'assigned' | 'passed' | 'failed' | 'lost';
  leaseExpiresAt: number;
  reveal?: Record<string, unknown>;
  outcome?: string;
  punishment?: Punishment;
}

export interface CanaryChecksDeps extends PunishDeps {
  pool: CanaryPool;
  store: JobStore;
  domain: NetworkDomain;
  assignments: AssignmentSigner;
  channel: MessageChannel;
  leaseMs: number;
  now?: () => number;
}

/**
 * Sends known-answer jobs ("canaries") into a provider's stream. A canary looks like any job:
 * a WASM module and arguments, signed by a client key never seen before (as any newcomer's
 * is), assigned like any other; only the coordinator knows its answer. Which job a canary
 * answers for is kept here, in memory: after a restart its answer is refused, its lease runs
 * out, and the job it stood for is audited instead.
 */
export class CanaryChecks {
  readonly #standsFor = new Map<string, string>();

  constructor(private readonly deps: CanaryChecksDeps) {}

  /**
   * The canary step of a job whose first answer is in: sends the canary, waits for it, and
   * says how it went. `audit`: the job itself must be audited instead, because no canary
   * could be sent, it was lost, or it failed (its provider was punished for that, and the
   * job's own answer is now suspect).
   */
  async step(
    job: JobRecord,
    spec: JobSpec,
    runs: readonly JobRun[],
  ): Promise<'waiting' | 'passed' | 'audit'> {
    const first = runs.find((run) => run.purpose === 'first');
    if (first?.state !== 'done') return 'audit';
    const canary = first.signed.canary as CanaryRecord | undefined;
    if (!canary) return (await this.#send(job.id, spec, first)) ? 'waiting' : 'audit';
    if (canary.state === 'assigned' && canary.leaseExpiresAt < this.#now()) {
      this.#standsFor.delete(canary.jobId);
      await this.#keep(first, { ...canary, state: 'lost' });
      await this.#dropSealedInputs(canary);
      return 'audit';
    }
    if (canary.state === 'assigned') return 'waiting';
    return canary.state === 'passed' ? 'passed' : 'audit';
  }

  /** A provider answered a canary: it passes on the known answer, else it is punished. Returns the job it stood for. */
  async answered(answer: RunAnswer): Promise<JobRecord> {
    const jobId = this.jobOf(answer.manifest.jobId);
    if (!jobId) throw new IdlegridError('RESULT_INVALID', `no canary ${answer.manifest.jobId} is in flight`);
    const job = await this.deps.store.get(jobId);
    const first = (await this.deps.store.runs(jobId)).find((run) => run.purpose === 'first');
    const canary = first?.signed.canary as CanaryRecord | undefined;
    if (!first || canary?.state !== 'assigned' || first.provider !== answer.provider) {
      throw new IdlegridError('RESULT_INVALID', `${answer.provider} holds no canary of job ${jobId}`);
    }
    this.#standsFor.delete(canary.jobId);
    const outcome = outcomeDigest(answer.manifest);
    const answered: CanaryRecord = { ...canary, reveal: wireRecord(answer.reveal), outcome };
    // A canary it could not run (exit code < 0) gives no verdict: it is lost.
    answered.state = answer.manifest.exitCode < 0 ? 'lost' : outcome === canary.digest ? 'passed' : 'failed';
    await this.#dropSealedInputs(canary);
    if (answered.state === 'failed') {
      answered.punishment = await punish(this.deps, {
        jobId: canary.jobId,
        spec: canary.spec,
        jobValue: parseMessage('JobSpec', (job.spec as { message: unknown }).message).maxPrice,
        accused: first.provider,
        reason: 'canary-failed',
        runs: [
          {
            provider: first.provider,
            outcome,
            signed: { assignment: canary.assignment, reveal: answered.reveal },
          },
        ],
        verdict: { winningDigest: canary.digest, agreeing: [], dissenting: [first.provider] },
        now: this.#now(),
      });
    }
    await this.#keep(first, answered);
    return job;
  }

  async #keep(first: JobRun, canary: CanaryRecord): Promise<void> {
    await this.deps.store.putRun({ ...first, signed: { ...first.signed, canary } });
  }

  /**
   * Sends a canary to the first run's provider on behalf of `job`, kept with that run before it
   * goes out (a quick canary's answer can come back before the acknowledgement does); undefined
   * if none could be sent.
   */
  async #send(jobId: string, like: JobSpec, first: JobRun): Promise<CanaryRecord | undefined> {
    const provider = first.provider;
    const task = await this.deps.pool.pick();
    const peer = this.deps.registry.get(provider)?.peer;
    if (!task || !peer) return undefined;
    const now = this.#now();
    const client = privateKeyToAccount(generatePrivateKey());
    const message: JobSpec = {
      ...canarySpecShape(task),
      client: client.address,
      jobId: bytesToHex(randomBytes(32)),
      // Shaped like the job it stands for, so that nothing tells it apart.
      maxPrice: like.maxPrice,
      deadline: like.deadline,
      memoryMb: Math.max(64, like.memoryMb),
      nonce: BigInt(now) * 1000n + BigInt(Math.floor(Math.random() * 1000)),
      expiry: like.expiry,
    };
    // A private job's canary is private too: sealed input, keys handed to the lease, salted outcome.
    const sealed = like.privacy === PRIVATE_JOB ? await this.#sealed(task) : undefined;
    if (sealed) Object.assign(message, { privacy: PRIVATE_JOB, inputCids: sealed.inputCids });
    const spec = await signMessage(client, this.deps.domain, 'JobSpec', message);
    const leaseExpiresAt = now + jobSeconds(message) * 1000 + this.deps.leaseMs;
    const assignment = await this.deps.assignments.sign(message, provider, leaseExpiresAt, now);
    const record: CanaryRecord = {
      jobId: message.jobId,
      label: task.label,
      spec: wireRecord(spec),
      assignment: wireRecord(assignment),
      digest: sealed
        ? sealedOutcomeDigest(task.plain.exitCode, privateOutcome(sealed.secrets.salt, task.plain))
        : task.digest,
      state: 'assigned',
      leaseExpiresAt,
    };
    this.#standsFor.set(message.jobId, jobId);
    await this.#keep(first, record);
    const accepted = await this.deps.channel
      .request(peer, JOB_MESSAGES.assign, this.deps.assignments.body(assignment, spec), { timeoutMs: 10_000 })
      .then((answer) => jobAssignAckSchema.parse(answer).accepted)
      .then((taken) => (taken && sealed ? this.#giveKeys(peer, client, message, sealed.secrets) : taken))
      .catch(() => false);
    if (accepted) return record;
    // Refused or unreachable: the canary is lost, and the job is audited instead.
    this.#standsFor.delete(message.jobId);
    await this.#keep(first, { ...record, state: 'lost' });
    await this.#dropSealedInputs(record);
    return undefined;
  }

  /** A known answer's input sealed under a fresh key (stored like any upload), and the secrets of its lease. */
  async #sealed(task: KnownAnswer): Promise<{ inputCids: string[]; secrets: LeaseSecrets }> {
    const keys: Record<string, Hex> = {};
    const inputCids: string[] = [];
    for (const cid of task.inputCids) {
      const key = newArtifactKey();
      const envelope = await encryptArtifact(key, await this.deps.artifacts.bytes(cid));
      const stored = await this.deps.artifacts.put(envelope);
      keys[stored.cid] = bytesToHex(key);
      inputCids.push(stored.cid);
    }
    const replyKey = bytesToHex(publicKeyOf(generatePrivateKey()));
    return { inputCids, secrets: { salt: bytesToHex(randomBytes(32)), replyKey, keys } };
  }

  /** A private canary's input was sealed for it alone: once it is answered or lost, it goes. */
  async #dropSealedInputs(canary: CanaryRecord): Promise<void> {
    const spec = (canary.spec as { message?: { privacy?: string; inputCids?: string[] } }).message;
    if (spec?.privacy !== PRIVATE_JOB) return;
    for (const cid of spec.inputCids ?? []) await this.deps.artifacts.delete(cid).catch(() => {});
  }

  /** Hands a private canary's secrets to its provider, as its client would (see lease-keys.ts). */
  async #giveKeys(
    peer: string,
    client: ReturnType<typeof privateKeyToAccount>,
    spec: JobSpec,
    secrets: LeaseSecrets,
  ): Promise<boolean> {
    const provider = peerIdToAddress(peer);
    const keys = await signMessage(client, this.deps.domain, 'LeaseKeys', {
      client: client.address,
      jobId: spec.jobId,
      provider,
      secrets: sealLeaseSecrets(secrets, publicKeyOfPeer(peer), { jobId: spec.jobId, provider }),
      nonce: spec.nonce,
      expiry: spec.expiry,
    });
    await this.deps.channel.request(peer, JOB_MESSAGES.keys, { keys }, { timeoutMs: 10_000 });
    return true;
  }

  /** The job a canary stands for, if `canaryJobId` is one in flight. */
  jobOf(canaryJobId: string): string | undefined {
    return this.#standsFor.get(canaryJobId.toLowerCase()) ?? this.#standsFor.get(canaryJobId);
  }

  /** The job ended: a canary still out for it no longer stands for anything. */
  forgetJob(jobId: string): void {
    for (const [canary, standsFor] of this.#standsFor)
      if (standsFor === jobId) this.#standsFor.delete(canary);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
