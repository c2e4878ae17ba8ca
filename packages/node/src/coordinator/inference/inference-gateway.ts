import {
  IdlegridError,
  type NetworkDomain,
  parseWireJson,
  resultManifestSchema,
  type SignedMessage,
  signMessage,
  toWireJson,
} from '@idlegrid/protocol';
import {
  budgetPrice,
  type LlmAnswer,
  type LlmRequest,
  llmAnswerSchema,
  llmJobArgs,
  tokenBudget,
} from '@idlegrid/protocol/llm';
import {
  type ApiKey,
  apiKeyAccount,
  buildWasmJobSpec,
  isFinalJobState,
  REQUEST_LIFETIME_SECONDS,
  randomJobId,
  randomNonce,
} from '@idlegrid/sdk';
import type { Address } from 'viem';
import type { JobRecord, JobStore } from '../../jobs/api.js';
import type { ModelRuntime } from '../../market/model-listing.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { JobEventBus } from '../job-event-bus.js';
import type { JobIntake } from '../job-intake.js';
import type { JobStreams } from '../job-streams.js';
import type { ProviderRegistry } from '../provider-registry.js';
import { type CatalogModel, findModel } from './model-catalog.js';
import type { SessionPayments } from './session-payments.js';
import type { SessionSpending } from './session-spending.js';

export interface InferenceGatewayDeps {
  domain: NetworkDomain;
  intake: JobIntake;
  store: JobStore;
  bus: JobEventBus;
  streams: JobStreams;
  registry: ProviderRegistry;
  artifacts: ArtifactStore;
  spending: SessionSpending;
  payments: SessionPayments;
  /** How long one request may take, end to end (10 minutes by default). */
  timeoutMs?: number;
}

export interface InferenceOptions {
  signal?: AbortSignal;
  /** Text as the provider generates it (streaming requests). */
  onText?: (text: string) => void;
  /** The job's verification policy (`sample:P` re-scores that share of answers); the coordinator's default when absent. */
  verification?: string;
}

export interface InferenceResult {
  answer: LlmAnswer;
  model: CatalogModel;
  jobId: string;
  provider: Address;
  /** What the request cost, token base units, paid by voucher to the provider. */
  charge: bigint;
}

/**
 * Runs OpenAI-style requests as network jobs on behalf of an API key: finds a provider serving
 * the model (the scheduler places the job among those listing its CID), signs the job with the
 * key (a session key of the client's channel) under a token budget, streams the provider's text
 * while it runs, and pays the metered tokens by voucher once the answer is accepted. A provider
 * lost before its first token is replaced by the dispatcher's retry unseen by the caller; one
 * lost after it fails the request, as a half-streamed answer cannot be taken back.
 */
export class InferenceGateway {
  /** Session accounts by key: deriving one from its private key costs about a millisecond per request. */
  readonly #accounts = new Map<string, ReturnType<typeof apiKeyAccount>>();

  constructor(private readonly deps: InferenceGatewayDeps) {}

  #sessionAccount(key: ApiKey) {
    let account = this.#accounts.get(key.sessionKey);
    if (!account) {
      if (this.#accounts.size >= 1024) this.#accounts.delete(this.#accounts.keys().next().value!);
      account = apiKeyAccount(key);
      this.#accounts.set(key.sessionKey, account);
    }
    return account;
  }

  /** Fails with API_KEY_INVALID unless the key is a live session key of its client. */
  /** Checks the key is live; resolves to its session key's address (what the API's limits key it by). */
  async authorize(key: ApiKey): Promise<Address> {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const { address } = this.#sessionAccount(key);
    await this.deps.spending.authorize(key.client, address, now);
    return address;
  }

  async run(
    key: ApiKey,
    modelName: string,
    request: LlmRequest,
    options: InferenceOptions = {},
  ): Promise<InferenceResult> {
    const runtime: ModelRuntime = 'llm';
    const session = this.#sessionAccount(key);
    const now = BigInt(Math.floor(Date.now() / 1000));
    // A key that is not authorized learns nothing of the models served here.
    await this.deps.spending.authorize(key.client, session.address, now);
    const model = findModel(this.deps.registry, modelName, runtime);
    const budget = tokenBudget(request);
    const maxPrice = budgetPrice(budget, model.maxPricePer1kTokens);
    const release = await this.deps.spending.reserve(key.client, session.address, maxPrice, now);
    try {
      const input = await this.deps.artifacts.put(new TextEncoder().encode(JSON.stringify(request)));
      const jobId = randomJobId();
      const timeoutMs = this.deps.timeoutMs ?? 600_000;
      const spec = await signMessage(
        session,
        this.deps.domain,
        'JobSpec',
        buildWasmJobSpec({
          client: key.client,
          runtime,
          jobId,
          moduleCid: model.cid,
          stdinCid: input.cid,
          args: llmJobArgs(budget),
          maxPrice,
          deadlineSeconds: Math.ceil(timeoutMs / 1000),
          memoryMb: 1,
          cpuCores: 1,
          nowSeconds: now,
          ...(options.verification ? { verification: options.verification } : {}),
        }),
      );
      const job = await this.#follow(jobId, spec, options, () => this.#cancel(key, jobId));
      const answer = await this.#answerOf(job);
      const charge = await this.deps.payments.pay(key, session, job);
      return { answer, model, jobId, provider: job.provider as Address, charge };
    } finally {
      release();
    }
  }

  /** Submits the job and follows it to its end, relaying streamed text from its current provider. */
  async #follow(
    jobId: string,
    spec: SignedMessage<'JobSpec'>,
    options: InferenceOptions,
    cancel: () => Promise<void>,
  ): Promise<JobRecord> {
    // Only text already shown to a streaming caller makes a retry visible; a whole answer is just awaited.
    let streamed = false;
    const stream = this.deps.streams.follow(jobId, (progress) => {
      if (!options.onText) return;
      streamed = true;
      options.onText(progress.text);
    });
    let resolve!: (job: JobRecord) => void;
    let reject!: (error: unknown) => void;
    const ended = new Promise<JobRecord>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const unsubscribe = this.deps.bus.subscribe(
      (job) => {
        if (job.id !== jobId) return;
        if (isFinalJobState(job.state)) return resolve(job);
        if (job.state === 'submitted' && job.attempt > 1 && streamed) {
          reject(new IdlegridError('PROVIDER_FAILED', 'the provider was lost in the middle of its answer'));
        }
        stream.assign(job.provider ?? undefined);
      },
      { job: jobId },
    );
    const abort = () => reject(options.signal?.reason ?? new IdlegridError('ABORTED', 'request abandoned'));
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await this.deps.intake.submitVerified(spec);
      const job = await ended;
      if (job.state !== 'accepted' && job.state !== 'settled') {
        throw new IdlegridError(
          (job.error?.code as 'PROVIDER_FAILED' | undefined) ?? 'PROVIDER_FAILED',
          job.error?.message ?? `the job ended ${job.state}`,
          { details: { jobId, state: job.state } },
        );
      }
      return job;
    } catch (error) {
      await cancel();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', abort);
      unsubscribe();
      stream.close();
    }
  }

  /** The provider's answer, read from the result it signed. */
  async #answerOf(job: JobRecord): Promise<LlmAnswer> {
    if (!job.resultCid) throw new IdlegridError('RESULT_INVALID', `job ${job.id} has no result`);
    const manifest = resultManifestSchema.parse(jsonOf(await this.deps.artifacts.bytes(job.resultCid)));
    const parsed = llmAnswerSchema.safeParse(jsonOf(await this.deps.artifacts.bytes(manifest.stdoutCid)));
    if (!parsed.success) throw new IdlegridError('RESULT_INVALID', `job ${job.id} answered no llm answer`);
    return parsed.data;
  }

  /** Cancels a job the caller gave up on, signed by its key; a job already over stays as it is. */
  async #cancel(key: ApiKey, jobId: string): Promise<void> {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const cancel = await signMessage(this.#sessionAccount(key), this.deps.domain, 'JobCancel', {
      client: key.client,
      jobId: jobId as `0x${string}`,
      nonce: randomNonce(),
      expiry: now + REQUEST_LIFETIME_SECONDS,
    });
    await this.deps.intake.cancel(parseWireJson(toWireJson(cancel))).catch(() => {});
  }
}

function jsonOf(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
