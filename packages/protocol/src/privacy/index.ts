/**
 * `@idlegrid/protocol/privacy`: artifact encryption (envelope.ts), sealed boxes and key wrapping
 * (sealed-box.ts, key-wrap.ts) and private jobs' secrets (private-jobs.ts), pure JavaScript, so
 * that browsers, the SDK, providers and the CLI seal and open the same bytes.
 */
export {
  ARTIFACT_KEY_BYTES,
  decryptArtifact,
  decryptArtifactStream,
  encryptArtifact,
  encryptArtifactStream,
  isEnvelope,
  newArtifactKey,
  type PlaintextDigest,
} from './envelope.js';
export { unwrapKey, WRAPPED_KEY_PATTERN, wrapKey } from './key-wrap.js';
export { concatBytes, type Sha256, sha256Hasher } from './primitives.js';
export {
  jobSalt,
  type LeaseSecrets,
  openLeaseSecrets,
  type PlainOutcome,
  privateOutcome,
  sealLeaseSecrets,
  sha256Hex,
} from './private-jobs.js';
export { addressOfPublicKey, openSealedBox, publicKeyOf, sealTo } from './sealed-box.js';
