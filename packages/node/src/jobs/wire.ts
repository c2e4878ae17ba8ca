import {
  type MESSAGE_SCHEMAS,
  parseWireJson,
  resultManifestSchema,
  type SignedMessage,
  toWireJson,
} from '@idlegrid/protocol';
import { z } from 'zod';

/**
 * The job protocol between coordinator and providers, carried by a MessageChannel on
 * `/idlegrid/jobs/1`. Bodies are JSON (bigints as decimal strings); each side parses
 * what it receives with these schemas, and checks every embedded signed message with
 * `verifySignedMessage` against the network domain.
 *
 *   provider -> coordinator  `provider.hello`     request  ProviderHello   -> HelloAck
 *   provider -> coordinator  `provider.offer`     one-way  { offer }           (refresh)
 *   provider -> coordinator  `provider.heartbeat` one-way  { heartbeat }
 *   coordinator -> provider  `job.assign`         request  JobAssign       -> JobAssignAck
 *   coordinator -> provider  `job.cancel`         one-way  { jobId }
 *   provider -> coordinator  `job.progress`       one-way  JobProgress         (streamed llm text)
 *   provider -> coordinator  `job.result`         request  JobResult       -> { accepted: true }
 *   provider -> coordinator  `job.commit`         request  JobCommit       -> { accepted: true }
 *   coordinator -> provider  `job.reveal`         request  { jobId }       -> JobResult
 *   coordinator -> provider  `job.payment`        request  { voucher }     -> { accepted: true }
 *   coordinator -> provider  `job.keys`           request  { keys }        -> { accepted: true }  (a private job's LeaseKeys, from its client)
 *   coordinator -> provider  `artifact.erase`     request  { cid }         -> { receipt }  (a signed ErasureReceipt)
 *   coordinator -> provider  `peer.ping`          request  {}              -> {}   (round-trip time)
 */
export const JOBS_PROTOCOL = 'jobs';

export const JOB_MESSAGES = {
  hello: 'provider.hello',
  offer: 'provider.offer',
  heartbeat: 'provider.heartbeat',
  assign: 'job.assign',
  cancel: 'job.cancel',
  progress: 'job.progress',
  result: 'job.result',
  commit: 'job.commit',
  reveal: 'job.reveal',
  payment: 'job.payment',
  /** Asks a provider for the voucher it holds from a client: the one it was paid by last, through any coordinator. */
  heldVoucher: 'job.voucher',
  keys: 'job.keys',
  erase: 'artifact.erase',
  ping: 'peer.ping',
} as const;

/** A signed message in wire form; verify it with `verifySignedMessage` before use. */
const signed = z.object({
  kind: z.string(),
  message: z.record(z.string(), z.unknown()),
  signature: z.string(),
});

export const providerHelloSchema = z.object({
  offer: signed,
  /** Software name and version of the provider. */
  agent: z.string().max(128),
  /**
   * Jobs the provider holds: running, or finished with a result not yet delivered. The
   * coordinator queues again any job it gave this provider that is not listed. Not signed:
   * the libp2p connection already proves which provider speaks.
   */
  activeJobs: z
    .array(z.string().regex(/^0x[0-9a-fA-F]{64}$/))
    .max(10_000)
    .default([]),
});

export const helloAckSchema = z.object({
  coordinator: z.string(),
  /** Coordinator HTTP base URL: artifacts are fetched from `${apiUrl}/v1/artifacts/:cid`. */
  apiUrl: z.url(),
  chainId: z.number().int(),
  paymentChannels: z.string(),
  /** The p2p addresses of the mesh's other coordinators: where the provider goes if this one is lost. */
  coordinators: z.array(z.string().max(256)).max(64).optional(),
});

export const jobAssignSchema = z.object({
  /** Signed by the coordinator: this provider runs this job at `price` until `leaseExpiry`. */
  assignment: signed,
  /** The client's signed JobSpec, exactly as submitted. */
  spec: signed,
  /**
   * Commit-reveal (replicated jobs): the provider first sends only a signed commitment to its
   * answer (`job.commit`) and reveals the answer when the coordinator asks (`job.reveal`), once
   * every replica has committed, so that no replica can copy another's answer.
   */
  commitReveal: z.boolean().default(false),
  /**
   * Small artifacts inline, base64 keyed by CID (at most INLINE_INPUT_BYTES in all): the job's
   * inputs, and its WebAssembly module on the provider's first job of it. The provider checks each
   * against its CID and uses it instead of downloading it, a round trip saved.
   */
  inputs: z.record(z.string(), z.base64()).optional(),
  /**
   * The assigning coordinator's HTTP API. A provider joined to another coordinator of the mesh
   * (the assignment came through the mesh) fetches the job's artifacts and uploads its outputs
   * there; one joined to this coordinator uses the API its hello answer named.
   */
  apiUrl: z.url().optional(),
});

/** Inputs up to this many bytes in all travel inside `job.assign`. */
export const INLINE_INPUT_BYTES = 64 * 1024;

export const jobAssignAckSchema = z.object({ accepted: z.boolean(), reason: z.string().optional() });

/** Outputs up to this many bytes in all travel inside `job.result`; larger ones are uploaded first. */
export const INLINE_RESULT_BYTES = 256 * 1024;

export const jobResultSchema = z.object({
  /** Signed ResultReveal: `outputCid` is the manifest's CID. */
  reveal: signed,
  manifest: resultManifestSchema,
  /** Small outputs inline: base64 content keyed by its CID (the manifest, stdout, stderr). */
  blobs: z
    .record(z.string(), z.base64())
    .refine((blobs) => Object.keys(blobs).length <= 3, 'at most 3 blobs')
    .optional(),
});

/**
 * Partial output of a running job, in order: text generated so far since the last one, and how
 * many tokens it is. Unsigned and advisory: what counts is the signed result that follows.
 */
export const jobProgressSchema = z.object({
  jobId: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  text: z.string().max(INLINE_RESULT_BYTES),
  tokens: z.number().int().nonnegative(),
});

/** A signed ResultCommit: `commitment` is `resultCommitment` of the manifest's CID and a secret salt. */
export const jobCommitSchema = z.object({ commit: signed });

export const jobRevealSchema = z.object({ jobId: z.string().regex(/^0x[0-9a-fA-F]{64}$/) });

export const jobPaymentSchema = z.object({ voucher: signed });
export const heldVoucherRequestSchema = z.object({ client: z.string() });
export const heldVoucherSchema = z.object({ voucher: signed.nullable() });
/** A private job's secrets for the provider's lease, sealed to it and signed by the job's client. */
export const jobKeysSchema = z.object({ keys: signed });

export type ProviderHello = z.output<typeof providerHelloSchema>;
export type HelloAck = z.output<typeof helloAckSchema>;
export type JobAssign = z.output<typeof jobAssignSchema>;
export type JobAssignAck = z.output<typeof jobAssignAckSchema>;
export type JobResult = z.output<typeof jobResultSchema>;
export type JobCommit = z.output<typeof jobCommitSchema>;
export type JobProgress = z.output<typeof jobProgressSchema>;
export type JobPayment = z.output<typeof jobPaymentSchema>;

/** Type guard used in tests: a wire signed message of a given kind. */
export function isSignedOfKind<K extends keyof typeof MESSAGE_SCHEMAS>(
  value: unknown,
  kind: K,
): value is SignedMessage<K> {
  return signed.safeParse(value).success && (value as { kind: string }).kind === kind;
}

/** A message in wire form (bigints as decimal strings), as signed messages travel and are kept as evidence. */
export function wireRecord(message: unknown): Record<string, unknown> {
  return parseWireJson(toWireJson(message)) as Record<string, unknown>;
}
