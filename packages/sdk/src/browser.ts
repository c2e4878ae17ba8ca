/**
 * The part of the SDK that runs in a browser: jobs, results and payments over the
 * coordinator's HTTP API. It leaves out the keystore, network files and chain transactions,
 * which need Node's file system or a chain RPC (the dashboard's wallet uses this entry).
 */
export {
  CoordinatorClient,
  type CoordinatorClientOptions,
  type RequestOptions,
} from './http/coordinator-client.js';
export type { JobsContext, ReadContext } from './jobs/context.js';
export { fetchResult, type JobResult } from './jobs/fetch-result.js';
export { isFinalJobState, type Job, type JobEvent, type JobState, type Placement } from './jobs/job.js';
export { getJob, getJobEvents, latestPlacement } from './jobs/job-queries.js';
export { type Payment, payForJob } from './jobs/pay-for-job.js';
export { submitWasmJob, type WasmJobRequest } from './jobs/submit-job.js';
export { type WaitOptions, waitForJob } from './jobs/wait-for-job.js';
export {
  type DropoutRisk,
  describeClaim,
  describeRisk,
  type HardwareClaim,
} from './network/provider-risk.js';
