import type { Hex } from 'viem';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { openSealedBox, SEALED_BOX_OVERHEAD, sealTo } from './sealed-box.js';

/**
 * An artifact key wrapped to one secp256k1 key: a sealed box (see sealed-box.ts) of the 32-byte
 * key. The owner's wallet key is the recipient of the owner's copy; a provider's copy for one
 * lease goes to the key behind its peer id, which is its wallet key too.
 */
const INFO = 'idlegrid/artifact-key/v1';
const WRAPPED_BYTES = SEALED_BOX_OVERHEAD + 32;
/** A wrapped key as hex: what a coordinator accepts to keep for an owner. */
export const WRAPPED_KEY_PATTERN = new RegExp(`^0x[0-9a-fA-F]{${WRAPPED_BYTES * 2}}$`);

/** Wraps `key` so that only the holder of `recipientPublicKey`'s private key can unwrap it. */
export function wrapKey(key: Uint8Array, recipientPublicKey: Uint8Array): Hex {
  return sealTo(recipientPublicKey, key, INFO);
}

/** Unwraps a key wrapped to this wallet key; KEY_UNWRAP_FAILED when it was wrapped to another or altered. */
export function unwrapKey(wrapped: Hex, privateKey: Hex): Uint8Array {
  if (!WRAPPED_KEY_PATTERN.test(wrapped))
    throw new IdlegridError('KEY_UNWRAP_FAILED', `a wrapped key is ${WRAPPED_BYTES} bytes of 0x hex`);
  return openSealedBox(wrapped, privateKey, INFO);
}
