/** `@idlegrid/sdk/privacy`: artifacts the client owns and seals, and private jobs. */

export { type ErasureNotice, erasureOf, waitForErasure } from './erasure.js';
export * from './owned-artifacts.js';
export { openPrivateResult, runPrivateWasmJob } from './private-jobs.js';
