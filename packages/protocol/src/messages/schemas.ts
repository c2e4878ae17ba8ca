import { z } from 'zod';
import type { MessageKind } from '../eip712/types.js';
import { address, bytes32, shortString, stringList, uint32, uintBig } from './fields.js';

const replayFields = { nonce: uintBig(64), expiry: uintBig(64) };

export const offerSchema = z.strictObject({
  provider: address,
  region: shortString,
  runtimes: stringList,
  models: stringList,
  /** Datasets it holds, as `name:count:shape` (never their content): what federated runs look for. */
  datasets: stringList,
  cpuCores: uint32,
  memoryMb: uint32,
  gpuCount: uint32,
  gpuModel: shortString,
  vramMb: uint32,
  pricePerCpuSecond: uintBig(256),
  pricePerGpuSecond: uintBig(256),
  /** Per GiB of memory held for a second. */
  pricePerGbSecond: uintBig(256),
  /** Per thousand LLM tokens, prompt plus completion. */
  pricePer1kTokens: uintBig(256),
  /** Job sizes (a job's maxSeconds) the provider takes; maxJobSeconds 0 = any. */
  minJobSeconds: uint32,
  maxJobSeconds: uint32,
  availableFrom: uintBig(64),
  availableUntil: uintBig(64),
  ...replayFields,
});

export const jobSpecSchema = z.strictObject({
  client: address,
  jobId: bytes32,
  runtime: shortString,
  moduleCid: shortString,
  inputCids: stringList,
  args: stringList,
  cpuCores: uint32,
  memoryMb: uint32,
  vramMb: uint32,
  gpuClass: shortString,
  maxPrice: uintBig(256),
  deadline: uintBig(64),
  region: shortString,
  /** Most round-trip time to the provider, ms; 0 = any. */
  maxRttMs: uint32,
  /** The job's size: the longest it may run, seconds; 0 = the network's default. */
  maxSeconds: uint32,
  /** Lowest provider reputation accepted, in permille (0..1000). */
  minReputation: uint32.max(1000),
  verification: shortString,
  privacy: shortString,
  ...replayFields,
});

export const jobCancelSchema = z.strictObject({
  client: address,
  jobId: bytes32,
  ...replayFields,
});

export const assignmentSchema = z.strictObject({
  coordinator: address,
  jobId: bytes32,
  provider: address,
  price: uintBig(256),
  leaseExpiry: uintBig(64),
  ...replayFields,
});

export const resultCommitSchema = z.strictObject({
  provider: address,
  jobId: bytes32,
  commitment: bytes32,
  ...replayFields,
});

export const resultRevealSchema = z.strictObject({
  provider: address,
  jobId: bytes32,
  outputCid: shortString,
  salt: bytes32,
  ...replayFields,
});

export const heartbeatSchema = z.strictObject({
  provider: address,
  sequence: uintBig(64),
  cpuLoadPermille: uint32,
  memoryFreeMb: uint32,
  activeJobs: uint32,
  ...replayFields,
});

export const voucherSchema = z.strictObject({
  client: address,
  provider: address,
  cumulativeAmount: uintBig(256),
  ...replayFields,
});

/**
 * An artifact operation its requester signs (sent in the `x-idlegrid-request` header): `put`
 * makes the signer an owner of what it uploads, `erase` drops the signer's claim (and destroys
 * the bytes with the last claim), `key` reads the artifact key wrapped to the signer, `read`
 * reads an owned artifact's bytes (as an owner, a grantee, or a provider leased a job naming
 * it); `list` (what the signer owns) and `export` (all the network keeps about the signer) name
 * no CID.
 */
export const ARTIFACT_ACTIONS = ['put', 'erase', 'key', 'read', 'list', 'export'] as const;
/** The HTTP header that carries a signed ArtifactRequest (wire JSON). */
export const ARTIFACT_REQUEST_HEADER = 'x-idlegrid-request';
/** On an owned upload, the HTTP header that carries the artifact key wrapped to the owner. */
export const WRAPPED_KEY_HEADER = 'x-idlegrid-wrapped-key';

export const artifactRequestSchema = z.strictObject({
  requester: address,
  action: z.enum(ARTIFACT_ACTIONS),
  cid: shortString,
  ...replayFields,
});

/** The `privacy` of a JobSpec: '' (the coordinator and providers see the job's data) or this. */
export const PRIVATE_JOB = 'private';

/**
 * A private job's secrets for one lease (see `@idlegrid/protocol/privacy`'s lease-secrets.ts),
 * sealed to the leased provider's key and signed by the job's client: the coordinator relays it
 * and can read none of it.
 */
export const leaseKeysSchema = z.strictObject({
  client: address,
  jobId: bytes32,
  provider: address,
  /** The sealed secrets, 0x hex. */
  secrets: z.string().regex(/^0x(?:[0-9a-fA-F]{2}){1,16384}$/, 'must be 0x hex of at most 16 KiB'),
  ...replayFields,
});

/**
 * A provider's word that it holds no copy of an erased artifact any more (its cache entry is
 * deleted, or it never kept one), signed when the coordinator told it of the erasure.
 */
export const erasureReceiptSchema = z.strictObject({
  provider: address,
  cid: shortString,
  /** When the copy was deleted, unix milliseconds. */
  erasedAt: uintBig(64),
  ...replayFields,
});

/**
 * An owner lets `grantee` read and use one artifact for `purpose` until `until` (unix seconds; 0
 * revokes). For an encrypted artifact `wrappedKey` is its key wrapped to the grantee ('' else).
 * The latest grant of an owner to a grantee for an artifact is the one in force.
 */
export const artifactGrantSchema = z.strictObject({
  owner: address,
  cid: shortString,
  grantee: address,
  /** What for: `job`, `provider`, `model-serving`, or '' (any use). */
  purpose: shortString,
  until: uintBig(64),
  wrappedKey: z.string().regex(/^(0x[0-9a-fA-F]{2,1024})?$/),
  ...replayFields,
});

/** An owner binds a device key to its address (the device countersigns the same message: see feeds). */
export const deviceBindingSchema = z.strictObject({
  owner: address,
  device: address,
  /** What it is: `weather-station`, `air-quality`, `gps-tracker`... */
  kind: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -'),
  ...replayFields,
});

/**
 * A coordinator tells the mesh it is alive and where it is: its HTTP API, its p2p addresses
 * (where providers and other coordinators dial it), and how many providers it has now. Gossiped
 * every few seconds; one that stops coming has left the mesh.
 */
export const coordinatorAnnounceSchema = z.strictObject({
  coordinator: address,
  apiUrl: z.url({ protocol: /^https?$/ }).max(256),
  p2p: z.array(shortString).max(8),
  providers: uint32,
  ...replayFields,
});

/**
 * A coordinator tells the mesh it punished a provider (slashed it, with the evidence whose hash
 * the Staking contract keeps): the others suspend it too. Taken only from coordinators allowed
 * to slash (the verifier role), so that no one can have an honest provider shunned.
 */
export const punishmentNoticeSchema = z.strictObject({
  coordinator: address,
  provider: address,
  reason: z.string().regex(/^[a-z0-9-]{1,64}$/, 'lower-case letters, digits and -'),
  evidenceHash: bytes32,
  ...replayFields,
});

/**
 * A client asks for a federated run (see fl/run-settings.ts): its model bundle, the dataset the
 * providers must hold, how it trains (`settings`, canonical JSON), and what each accepted update
 * is paid. `runId` is the client's: submitting the same run again is idempotent.
 */
export const flRunSchema = z.strictObject({
  client: address,
  runId: bytes32,
  modelCid: shortString,
  dataset: shortString,
  settings: z.string().max(4_096),
  pricePerUpdate: uintBig(256),
  deadline: uintBig(64),
  ...replayFields,
});

/**
 * A provider's update for one round of a run, by the keccak-256 of its bytes (little-endian
 * float32, or the masked ring elements under secure aggregation) and the examples it trained on.
 * Kept as evidence: an update whose norm is above the run's clip convicts its signer.
 */
export const flUpdateSchema = z.strictObject({
  provider: address,
  runId: bytes32,
  round: uint32,
  updateHash: bytes32,
  examples: uint32,
  ...replayFields,
});

/**
 * A provider's answer to a proof-of-hardware challenge: `answerHash` is the keccak of the
 * answer's canonical JSON (lane digests, or the matrix product's row digests). The coordinator
 * times the answer itself; a signed answer is what a slash for a failed claim shows.
 */
export const hardwareAnswerSchema = z.strictObject({
  provider: address,
  challengeId: bytes32,
  answerHash: bytes32,
  ...replayFields,
});

/**
 * A buyer funds a feed: each reading measured in [from, until] (unix seconds) that passes the
 * quality threshold earns its device's owner `pricePerReading`, until `budget` is spent. The
 * buyer pays the owners by voucher as the readings are scored (docs/feeds.md).
 */
export const feedFundingSchema = z.strictObject({
  buyer: address,
  fundingId: bytes32,
  feed: z.string().min(1).max(64),
  pricePerReading: uintBig(256),
  budget: uintBig(256),
  from: uintBig(64),
  until: uintBig(64),
  ...replayFields,
});

/**
 * A device owner's consent to a feed's use of its devices' readings ('' names every feed).
 * Binding a device consents; a revocation erases the owner's readings of the feed and refuses
 * new ones until consent is granted again (docs/feeds.md).
 */
export const feedConsentSchema = z.strictObject({
  owner: address,
  feed: z.string().max(64),
  granted: z.boolean(),
  ...replayFields,
});

export const MESSAGE_SCHEMAS = {
  Offer: offerSchema,
  JobSpec: jobSpecSchema,
  JobCancel: jobCancelSchema,
  Assignment: assignmentSchema,
  ResultCommit: resultCommitSchema,
  ResultReveal: resultRevealSchema,
  Heartbeat: heartbeatSchema,
  Voucher: voucherSchema,
  ArtifactRequest: artifactRequestSchema,
  LeaseKeys: leaseKeysSchema,
  ErasureReceipt: erasureReceiptSchema,
  ArtifactGrant: artifactGrantSchema,
  DeviceBinding: deviceBindingSchema,
  CoordinatorAnnounce: coordinatorAnnounceSchema,
  PunishmentNotice: punishmentNoticeSchema,
  FlRun: flRunSchema,
  FlUpdate: flUpdateSchema,
  FeedFunding: feedFundingSchema,
  FeedConsent: feedConsentSchema,
  HardwareAnswer: hardwareAnswerSchema,
} as const satisfies Record<MessageKind, z.ZodType>;

export type Offer = z.output<typeof offerSchema>;
export type JobSpec = z.output<typeof jobSpecSchema>;
export type JobCancel = z.output<typeof jobCancelSchema>;
export type Assignment = z.output<typeof assignmentSchema>;
export type ResultCommit = z.output<typeof resultCommitSchema>;
export type ResultReveal = z.output<typeof resultRevealSchema>;
export type Heartbeat = z.output<typeof heartbeatSchema>;
export type Voucher = z.output<typeof voucherSchema>;
export type ArtifactRequest = z.output<typeof artifactRequestSchema>;
export type LeaseKeys = z.output<typeof leaseKeysSchema>;
export type ErasureReceipt = z.output<typeof erasureReceiptSchema>;
export type ArtifactGrant = z.output<typeof artifactGrantSchema>;
export type DeviceBinding = z.output<typeof deviceBindingSchema>;
export type CoordinatorAnnounce = z.output<typeof coordinatorAnnounceSchema>;
export type PunishmentNotice = z.output<typeof punishmentNoticeSchema>;
export type FlRun = z.output<typeof flRunSchema>;
export type HardwareAnswer = z.output<typeof hardwareAnswerSchema>;
export type FlUpdate = z.output<typeof flUpdateSchema>;
export type FeedFunding = z.output<typeof feedFundingSchema>;
export type FeedConsent = z.output<typeof feedConsentSchema>;

/** The parsed (typed) form of each message kind. */
export type MessageOf<K extends MessageKind> = z.output<(typeof MESSAGE_SCHEMAS)[K]>;
/** What a message of each kind may look like on the wire (bigints as decimal strings). */
export type MessageInput<K extends MessageKind> = z.input<(typeof MESSAGE_SCHEMAS)[K]>;
