/**
 * `@idlegrid/protocol/privacy`: artifact encryption (envelope.ts) and key wrapping (key-wrap.ts),
 * pure JavaScript, so that browsers, the SDK, providers and the CLI seal and open the same bytes.
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
export { publicKeyOf, unwrapKey, WRAPPED_KEY_PATTERN, wrapKey } from './key-wrap.js';
