import {
  IdlegridError,
  type JobSpec,
  type NetworkDomain,
  PRIVATE_JOB,
  parseCid,
  parseWireJson,
  toWireJson,
  type VerifiedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { JobRecord, JobStore } from '../jobs/api.js';
import { formatVerification, type VerificationPolicy } from '../verify/policy.js';
import type { DepositCheck } from './deposit-check.js';
import type { JobEventBus } from './job-event-bus.js';
import { jobPolicy, pinDefault } from './job-policy.js';

export interface JobIntakeOptions {
  domain: NetworkDomain;
  store: JobStore;
  bus: JobEventBus;
  /** Attempts before a job fails for good (the first run plus retries). */
  maxAttempts?: number;
  nowSeconds?: () => bigint;
  /** Refuses clients that cannot pay (see deposit-check.ts); none means every client is trusted. */
  depositCheck?: DepositCheck;
  /** ARTIFACT_ACCESS_DENIED for a job naming an owned artifact its client may not use (see artifact-access.ts). */
  artifactAccess?: (spec: JobSpec) => Promise<void>;
  /** What an empty `verification` means, and which policies this coordinator carries out. */
  verification?: VerificationSettings;
  /** Accepts specs and cancels signed by a key other than the client's: a session key it authorized. */
  acceptDelegate?: DelegateCheck;
}

/** Whether `signer` may sign for the message's client (see chain/session-keys.ts). */
export type DelegateCheck = (signer: Address, message: { client: Address }) => Promise<boolean>;

export interface VerificationSettings {
  default: VerificationPolicy;
  /** The share of providers assumed to cheat, for `confidence:C` (see policyForConfidence). */
  adversarialShare: number;
  supported: readonly VerificationPolicy['kind'][];
  /** Under `canary`: the share of a provider's jobs followed by a known-answer job (raised in probation). */
  canaryRate: number;
  /** The default each accepted job without a policy got (see job-policy.ts); none: the default in force. */
  pinned?: Map<string, VerificationPolicy>;
}

/** What a coordinator carries out: results as returned, sampled audits, replicas with commit-reveal, canaries. */
export const DEFAULT_VERIFICATION: VerificationSettings = {
  default: { kind: 'none' },
  adversarialShare: 0.1,
  supported: ['none', 'sample', 'replicate', 'canary'],
  canaryRate: 0.1,
};

/** States a job can be cancelled from: its run is not over. */
export const CANCELLABLE = ['submitted', 'matched', 'assigned', 'running'] as const;

/**
 * Accepts jobs from clients: only a JobSpec signed by its client (or a session key it
 * authorized), for this network and
 * not expired, becomes a job; only that client can cancel it. Replays need no memory
 * here: the durable store keys jobs by their signed id and remembers each spec's (client,
 * nonce), so a replayed JobSpec returns the same job, another spec with a used nonce is
 * MESSAGE_REPLAYED, and a replayed JobCancel finds its job already cancelled.
 */
export class JobIntake {
  constructor(private readonly options: JobIntakeOptions) {}

  async submit(signedSpec: unknown): Promise<JobRecord> {
    return this.submitVerified(await this.verify(signedSpec, 'JobSpec'));
  }

  /**
   * A spec whose signature is already checked: one this coordinator signed itself with a
   * client's session key (the OpenAI-compatible API), which it need not recover again.
   */
  async submitVerified(
    verified: Pick<VerifiedMessage<'JobSpec'>, 'kind' | 'message' | 'signature'>,
  ): Promise<JobRecord> {
    const spec = verified.message;
    if (spec.deadline <= this.#now()) {
      throw new IdlegridError('MESSAGE_EXPIRED', `job deadline ${spec.deadline} has passed`, {
        details: { deadline: spec.deadline.toString() },
      });
    }
    const policy = this.#checkVerification(spec);
    checkPrivacy(spec, policy.kind);
    checkCanonicalCids(spec);
    await this.options.artifactAccess?.(spec);
    await this.options.depositCheck?.(spec.client, spec.maxPrice);
    pinDefault(spec, this.options.verification ?? DEFAULT_VERIFICATION);
    const job = await this.options.store.create({
      id: spec.jobId,
      client: spec.client,
      nonce: spec.nonce.toString(),
      // Stored in wire form (bigints as decimal strings): exactly what the client signed.
      spec: parseWireJson(toWireJson({ kind: verified.kind, message: spec, signature: verified.signature })),
      deadline: Number(spec.deadline) * 1000,
      maxAttempts: this.options.maxAttempts ?? 3,
    });
    this.options.bus.publish(job);
    return job;
  }

  /** A malformed policy is the client's error; a policy this coordinator cannot carry out is refused, never ignored. */
  #checkVerification(spec: JobSpec): VerificationPolicy {
    const settings = this.options.verification ?? DEFAULT_VERIFICATION;
    const { runtime } = spec;
    const policy = jobPolicy(spec, settings);
    // LLM answers are checked by re-scoring a sample of them (sample:P); replicas and canaries are WASM's.
    const supported =
      runtime === 'llm'
        ? settings.supported.filter((kind) => kind === 'none' || kind === 'sample')
        : settings.supported;
    if (!supported.includes(policy.kind)) {
      throw new IdlegridError(
        'VERIFICATION_UNSUPPORTED',
        `this coordinator does not carry out ${formatVerification(policy)} verification`,
        { details: { policy: formatVerification(policy), runtime, supported: [...supported] } },
      );
    }
    return policy;
  }

  async cancel(signedCancel: unknown): Promise<JobRecord> {
    return this.cancelVerified(await this.verify(signedCancel, 'JobCancel'));
  }

  /** A cancel whose signature verify() checked (the API counts it for its client in between). */
  async cancelVerified({ message }: Pick<VerifiedMessage<'JobCancel'>, 'message'>): Promise<JobRecord> {
    const job = await this.options.store.get(message.jobId);
    if (job.client !== message.client) {
      throw new IdlegridError('NOT_AUTHORIZED', `only the job's client can cancel job ${job.id}`, {
        details: { jobId: job.id },
      });
    }
    const cancelled = await this.options.store.transition(job.id, 'cancelled', {
      from: CANCELLABLE,
      detail: { by: message.client },
    });
    this.options.bus.publish(cancelled);
    return cancelled;
  }

  /**
   * Checks a signed JobSpec or JobCancel: by its client (or a delegate), for this network, not
   * expired. Its `client` is who sent it only once this resolves: what the API's limits key by.
   */
  verify<K extends 'JobSpec' | 'JobCancel'>(input: unknown, kind: K): Promise<VerifiedMessage<K>> {
    return verifySignedMessage(this.options.domain, input, {
      kind,
      nowSeconds: this.#now(),
      ...(this.options.acceptDelegate ? { acceptDelegate: this.options.acceptDelegate } : {}),
    });
  }

  #now(): bigint {
    return this.options.nowSeconds?.() ?? BigInt(Math.floor(Date.now() / 1000));
  }
}

/**
 * A CID has several spellings (base32, base58btc, base36): the one the artifact store and the
 * access checks use is the canonical one, so a job must name its artifacts so. A name that is no
 * CID at all (a model a provider holds) is the runtime's to resolve.
 */
function checkCanonicalCids(spec: JobSpec): void {
  for (const cid of [spec.moduleCid, ...spec.inputCids]) {
    let canonical: string;
    try {
      canonical = parseCid(cid).toString();
    } catch {
      continue;
    }
    if (canonical !== cid)
      throw new IdlegridError(
        'CID_INVALID',
        `name artifacts by their canonical CID: ${canonical}, not ${cid}`,
        {
          details: { cid, canonical },
        },
      );
  }
}

/**
 * A private job runs a WASM module or an llm model: their inputs are read as bytes, opened in
 * memory. The runtimes that read their inputs from files (ONNX, TF.js, fastText) would leave
 * plaintext on the provider's disk.
 */
const PRIVATE_RUNTIMES: readonly string[] = ['wasm', 'llm'];

function checkPrivacy(spec: JobSpec, verification: VerificationPolicy['kind']): void {
  if (spec.privacy === '') return;
  const details = { privacy: spec.privacy, runtime: spec.runtime, verification };
  if (spec.privacy !== PRIVATE_JOB)
    throw new IdlegridError('PRIVACY_UNSUPPORTED', `unknown privacy "${spec.privacy}" (private or none)`, {
      details,
    });
  if (!PRIVATE_RUNTIMES.includes(spec.runtime))
    throw new IdlegridError('PRIVACY_UNSUPPORTED', `private jobs run wasm or llm, not ${spec.runtime}`, {
      details,
    });
}
