/** `@idlegrid/sdk/privacy`: artifacts the client owns and seals, and private jobs. */
export * from './owned-artifacts.js';
export { openPrivateResult, runPrivateWasmJob } from './private-jobs.js';
