import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Hex, hexToBytes, toHex } from 'viem';
import { IdlegridError } from '../errors/idlegrid-error.js';

/**
 * An artifact key wrapped to one secp256k1 key (ECIES): an ephemeral key pair, ECDH with the
 * recipient's public key, HKDF-SHA256 over the shared x-coordinate (salted with both public keys,
 * so a wrapped key cannot be replayed to another recipient), then AES-256-GCM.
 *
 *   ephemeral public key (33, compressed) | nonce (12) | sealed key (32 + 16)
 *
 * The owner's wallet key is the recipient of the owner's copy; a provider's copy for one lease
 * goes to the key behind its peer id, which is its wallet key too.
 */
const INFO = new TextEncoder().encode('idlegrid/artifact-key/v1');
const WRAPPED_BYTES = 33 + 12 + 32 + 16;
/** A wrapped key as hex: what a coordinator accepts to keep for an owner. */
export const WRAPPED_KEY_PATTERN = new RegExp(`^0x[0-9a-fA-F]{${WRAPPED_BYTES * 2}}$`);

/** The compressed public key (33 bytes) of a wallet key. */
export function publicKeyOf(privateKey: Hex): Uint8Array {
  return secp256k1.getPublicKey(hexToBytes(privateKey), true);
}

/** Wraps `key` so that only the holder of `recipientPublicKey`'s private key can unwrap it. */
export function wrapKey(key: Uint8Array, recipientPublicKey: Uint8Array): Hex {
  const recipient = compressed(recipientPublicKey);
  const ephemeralSecret = secp256k1.utils.randomSecretKey();
  const ephemeral = secp256k1.getPublicKey(ephemeralSecret, true);
  const kek = keyEncryptionKey(
    secp256k1.getSharedSecret(ephemeralSecret, recipient, true),
    ephemeral,
    recipient,
  );
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = gcm(kek, nonce).encrypt(key);
  const out = new Uint8Array(WRAPPED_BYTES);
  out.set(ephemeral, 0);
  out.set(nonce, 33);
  out.set(sealed, 45);
  return toHex(out);
}

/** Unwraps a key wrapped to this wallet key; KEY_UNWRAP_FAILED when it was wrapped to another or altered. */
export function unwrapKey(wrapped: Hex, privateKey: Hex): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(wrapped);
  } catch (cause) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', 'a wrapped key is hex', { cause });
  }
  if (bytes.byteLength !== WRAPPED_BYTES)
    throw new IdlegridError(
      'KEY_UNWRAP_FAILED',
      `a wrapped key is ${WRAPPED_BYTES} bytes, not ${bytes.byteLength}`,
    );
  const ephemeral = bytes.subarray(0, 33);
  try {
    const secret = hexToBytes(privateKey);
    const recipient = secp256k1.getPublicKey(secret, true);
    const kek = keyEncryptionKey(secp256k1.getSharedSecret(secret, ephemeral, true), ephemeral, recipient);
    return gcm(kek, bytes.subarray(33, 45)).decrypt(bytes.subarray(45));
  } catch (cause) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', 'the key was not wrapped to this key, or was altered', {
      cause,
    });
  }
}

function keyEncryptionKey(sharedPoint: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array): Uint8Array {
  const salt = new Uint8Array(66);
  salt.set(ephemeral, 0);
  salt.set(recipient, 33);
  // The shared point's x-coordinate: its first byte is only the parity prefix.
  return hkdf(sha256, sharedPoint.subarray(1), salt, INFO, 32);
}

function compressed(publicKey: Uint8Array): Uint8Array {
  try {
    return secp256k1.Point.fromBytes(publicKey).toBytes(true);
  } catch (cause) {
    throw new IdlegridError('INVALID_ARGUMENT', 'not a secp256k1 public key', { cause });
  }
}
