import { randomBytes } from 'node:crypto';
import { type JobSpec, type NetworkDomain, signMessage } from '@idlegrid/protocol';
import { type Address, bytesToHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { jobSeconds } from '../jobs/job-size.js';
import { JOB_MESSAGES, jobAssignAckSchema, wireRecord } from '../jobs/wire.js';
import type { MessageChannel } from '../p2p/api.js';
import type { AssignmentSigner } from './assignment-signer.js';
import { type CanaryPool, canarySpecShape } from './canary-pool.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { Punishment } from './punishment.js';

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

export interface CanaryChecksDeps {
  pool: CanaryPool;
  domain: NetworkDomain;
  assignments: AssignmentSigner;
  channel: MessageChannel;
  registry: ProviderRegistry;
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

  /** Sends a canary to `provider` on behalf of `job`; undefined if none could be sent (then audit the job). */
  async send(jobId: string, like: JobSpec, provider: Address): Promise<CanaryRecord | undefined> {
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
    const spec = await signMessage(client, this.deps.domain, 'JobSpec', message);
    const leaseExpiresAt = now + jobSeconds(message) * 1000 + this.deps.leaseMs;
    const assignment = await this.deps.assignments.sign(message, provider, leaseExpiresAt, now);
    try {
      const ack = jobAssignAckSchema.parse(
        await this.deps.channel.request(
          peer,
          JOB_MESSAGES.assign,
          { assignment, spec },
          { timeoutMs: 10_000 },
        ),
      );
      if (!ack.accepted) return undefined;
    } catch {
      return undefined;
    }
    this.#standsFor.set(message.jobId, jobId);
    return {
      jobId: message.jobId,
      label: task.label,
      spec: wireRecord(spec),
      assignment: wireRecord(assignment),
      digest: task.digest,
      state: 'assigned',
      leaseExpiresAt,
    };
  }

  /** The job a canary stands for, if `canaryJobId` is one in flight. */
  jobOf(canaryJobId: string): string | undefined {
    return this.#standsFor.get(canaryJobId.toLowerCase()) ?? this.#standsFor.get(canaryJobId);
  }

  forget(canaryJobId: string): void {
    this.#standsFor.delete(canaryJobId);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
