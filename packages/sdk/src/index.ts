export { apiKeyName, createStoredApiKey, loadApiKey } from './accounts/api-key-store.js';
export { type Balances, getBalances } from './accounts/balances.js';
export { addressOfPrivateKey, keyAddress, keysDir, listKeys, loadPrivateKey } from './accounts/key-files.js';
export { accountFromPrivateKey, createKey, loadKey, loadOrCreateKey } from './accounts/keystore.js';

import { setDefaultFetch } from './http/coordinator-client.js';
import { nodeFetch } from './http/node-fetch.js';

// In Node, coordinator requests go over node:http (half the cost of the built-in fetch).
setDefaultFetch(nodeFetch);

export { pushReadingBatches, pushReadings, registerDevice, sequenceSource } from './feeds/devices.js';
export { type AggregateRequest, feedAggregates, setFeedConsent } from './feeds/feed-privacy.js';
export { type FeedReport, type FeedReportRequest, runFeedReport } from './feeds/feed-reports.js';
export {
  type FeedFundingRequest,
  type FeedFundingStatus,
  feedFunding,
  feedRewards,
  fundFeed,
  payFeedRewards,
} from './feeds/fundings.js';
export {
  checkedSettings,
  type FederatedRound,
  type FederatedRun,
  type FederatedRunRequest,
  federatedModel,
  getFederatedRun,
  listFederatedRuns,
  payFederatedRound,
  type RunFederatedOptions,
  runFederated,
  startFederatedRun,
} from './fl/federated-run.js';
export {
  CoordinatorClient,
  type CoordinatorClientOptions,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type RequestOptions,
} from './http/coordinator-client.js';
export { nodeFetch } from './http/node-fetch.js';
export { readSse, type SseEvent, SseParser } from './http/sse.js';
export { downloadArtifact, uploadArtifact } from './jobs/artifacts.js';
export type { JobsContext, ReadContext } from './jobs/context.js';
export {
  fetchResult,
  type JobResult,
} from './jobs/fetch-result.js';
export {
  FINAL_JOB_STATES,
  isFinalJobState,
  JOB_STATES,
  type Job,
  type JobEvent,
  type JobState,
  jobSchema,
  type Placement,
} from './jobs/job.js';
export {
  cancelJob,
  getJob,
  getJobEvents,
  type JobFilter,
  latestPlacement,
  listJobs,
} from './jobs/job-queries.js';
export {
  buildWasmJobSpec,
  type JobRuntime,
  type PlacementConstraints,
  placementFields,
  REQUEST_LIFETIME_SECONDS,
  randomJobId,
  randomNonce,
  type WasmJobFields,
} from './jobs/job-spec.js';
export { type Payment, payForJob, VOUCHER_LIFETIME_SECONDS } from './jobs/pay-for-job.js';
export {
  type JobOutcome,
  MAX_BATCH_JOBS,
  type RunJobsOptions,
  runWasmJob,
  runWasmJobs,
} from './jobs/run-jobs.js';
export { signWasmJob, submitWasmJob, type WasmJobRequest } from './jobs/submit-job.js';
export { type WaitOptions, waitForJob, waitForResult } from './jobs/wait-for-job.js';
export { type ChainContext, connect, type SignerContext } from './network/connect.js';
export {
  type NetworkConfig,
  networkConfigPath,
  readNetworkConfig,
  writeNetworkConfig,
} from './network/network-config.js';
export {
  type DropoutRisk,
  describeClaim,
  describeRisk,
  getProvider,
  type HardwareClaim,
  type ProviderStatus,
} from './network/provider-risk.js';
export { type ChatAnswer, type ChatMessage, type ChatRequest, chat } from './openai/chat.js';
export { listModels, type NetworkModel } from './openai/models.js';
export { OCR_MODEL, type OcrLine, type OcrOptions, type OcrPage, readText } from './openai/ocr.js';
export {
  type ApiKey,
  apiKeyAccount,
  type CreateApiKeyOptions,
  createApiKey,
  formatApiKey,
  parseApiKey,
} from './payments/api-keys.js';
export { deposit } from './payments/deposit.js';
export { authorizeSessionKey, revokeSessionKey } from './payments/session-keys.js';
export { signVoucher, type VoucherRequest } from './payments/sign-voucher.js';
export { cancelWithdraw, requestWithdraw, withdraw } from './payments/withdraw.js';
