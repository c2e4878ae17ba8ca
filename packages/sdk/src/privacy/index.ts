/** `@idlegrid/sdk/privacy`: artifacts the client owns and seals, and private jobs. */

export {
  eraseAllArtifacts,
  exportData,
  type GrantPurpose,
  grantArtifact,
  listArtifacts,
  revokeArtifact,
  type StoredGrant,
} from './data-rights.js';
export { type ErasureNotice, erasureOf, waitForErasure } from './erasure.js';
export * from './owned-artifacts.js';
export { type PrivateChatRequest, privateChat } from './private-chat.js';
export { openPrivateResult, runPrivateJob } from './private-jobs.js';
