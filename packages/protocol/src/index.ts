export { DECIMALS, exactDecimal, formatAmount, parseAmount } from './amounts/amounts.js';
export { DOMAIN_NAME, DOMAIN_VERSION, type NetworkDomain, networkDomain } from './eip712/domain.js';
export { AUTHOR_FIELD, MESSAGE_KINDS, MESSAGE_TYPES, type MessageKind } from './eip712/types.js';
export { ERROR_CODES, type ErrorCode } from './errors/codes.js';
export { httpStatusOf } from './errors/http-status.js';
export { IdlegridError, type IdlegridErrorOptions, isIdlegridError } from './errors/idlegrid-error.js';
export {
  MAX_BATCH_READINGS,
  openReading,
  openReadings,
  type Reading,
  readingSchema,
  type SignedReading,
  signReading,
  signReadingBatch,
} from './feeds/reading.js';
export {
  DP_LEVELS,
  FL_STRATEGIES,
  type FlSettings,
  type FlSettingsInput,
  type FlStrategy,
  flSettingsSchema,
  ROBUST_FL_STRATEGIES,
} from './fl/run-settings.js';
export { canonicalJson } from './hashing/canonical-json.js';
export { cidOfBytes, cidOfJson, cidOfSha256, parseCid, verifyCid, verifyCidDigest } from './hashing/cid.js';
export { resultCommitment } from './messages/commitment.js';
export { JOB_STATES, type JobState } from './messages/job-states.js';
export { isMessageKind, parseMessage } from './messages/parse.js';
export {
  manifestBytes,
  manifestCid,
  type ResultManifest,
  resultManifestSchema,
} from './messages/result-manifest.js';
export {
  ARTIFACT_ACTIONS,
  ARTIFACT_REQUEST_HEADER,
  type ArtifactGrant,
  type ArtifactRequest,
  type Assignment,
  artifactGrantSchema,
  artifactRequestSchema,
  assignmentSchema,
  type CoordinatorAnnounce,
  type DeviceBinding,
  deviceBindingSchema,
  type ErasureReceipt,
  erasureReceiptSchema,
  type FeedConsent,
  type FeedFunding,
  type FlRun,
  type FlUpdate,
  flRunSchema,
  flUpdateSchema,
  type HardwareAnswer,
  type Heartbeat,
  heartbeatSchema,
  type JobCancel,
  type JobSpec,
  jobCancelSchema,
  jobSpecSchema,
  type LeaseKeys,
  leaseKeysSchema,
  MESSAGE_SCHEMAS,
  type MessageInput,
  type MessageOf,
  type Offer,
  offerSchema,
  PRIVATE_JOB,
  type PunishmentNotice,
  type ResultCommit,
  type ResultReveal,
  resultCommitSchema,
  resultRevealSchema,
  type Voucher,
  voucherSchema,
  WRAPPED_KEY_HEADER,
} from './messages/schemas.js';
export { ReplayGuard } from './signing/replay-guard.js';
export {
  compressedPublicKey,
  localAccount,
  recoverDigestSigner,
  signDigest,
  signDigestDer,
} from './signing/secp256k1.js';
export { type SignedMessage, signMessage, type TypedDataSigner, typedDataOf } from './signing/sign.js';
export {
  authorOf,
  DEFAULT_MAX_LIFETIME_SECONDS,
  type VerifiedMessage,
  type VerifyOptions,
  verifySignedMessage,
} from './signing/verify.js';
export { parseWireJson, toWireJson } from './signing/wire.js';
