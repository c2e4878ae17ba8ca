import {
  decryptArtifact,
  encryptArtifact,
  newArtifactKey,
  unwrapKey,
  wrapKey,
} from '@idlegrid/protocol/privacy';
import { type Hex, toHex } from 'viem';
import type { RequestOptions } from '../http/coordinator-client.js';
import { downloadArtifact, uploadArtifact } from '../jobs/artifacts.js';
import type { ReadContext } from '../jobs/context.js';

/** An encrypted artifact as its owner keeps it: the CID of the ciphertext and the key wrapped to the owner. */
export interface SealedArtifact {
  cid: string;
  wrappedKey: Hex;
}

/**
 * Encrypts `plaintext` on this machine under a fresh key (an envelope: see
 * `@idlegrid/protocol/privacy`), uploads only the ciphertext, and wraps the key to `owner`, the
 * compressed or uncompressed public key of the owner's wallet key. The coordinator never sees
 * the plaintext, its hash or the key.
 */
export async function sealArtifact(
  ctx: ReadContext,
  plaintext: Uint8Array,
  owner: Uint8Array,
  options: RequestOptions = {},
): Promise<SealedArtifact> {
  const key = newArtifactKey();
  const wrappedKey = wrapKey(key, owner);
  const cid = await uploadArtifact(ctx, await encryptArtifact(key, plaintext), options);
  key.fill(0);
  return { cid, wrappedKey };
}

/**
 * Downloads a sealed artifact, unwraps its key with the owner's wallet key and decrypts it:
 * the plaintext and its sha-256 as the sealer computed it. KEY_UNWRAP_FAILED for a key wrapped
 * to someone else, ENVELOPE_TAMPERED for ciphertext that was changed.
 */
export async function openArtifact(
  ctx: ReadContext,
  sealed: SealedArtifact,
  privateKey: Hex,
  options: RequestOptions = {},
): Promise<{ plaintext: Uint8Array; sha256: Hex }> {
  const key = unwrapKey(sealed.wrappedKey, privateKey);
  try {
    const opened = await decryptArtifact(key, await downloadArtifact(ctx, sealed.cid, options));
    return { plaintext: opened.plaintext, sha256: toHex(opened.sha256) };
  } finally {
    key.fill(0);
  }
}
