import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToBigInt } from 'viem';

/** Key agreement and share encryption for secure aggregation (secp256k1 ECDH, HKDF-SHA256, AES-GCM). */

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SALT = new TextEncoder().encode('idlegrid/secagg/v1');
const NONCE_BYTES = 12;

/** A fresh secp256k1 secret key (uniform in [1, n−1]). */
export function randomSecretKey(): Uint8Array {
  for (;;) {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const value = bytesToBigInt(key);
    if (value > 0n && value < CURVE_ORDER) return key;
  }
}

/** The compressed public key (33 bytes). */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(secretKey, true);
}

/** The x-coordinate of the ECDH point: the same from either side. Throws on an invalid point. */
export function agree(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  return secp256k1.getSharedSecret(secretKey, peerPublicKey, true).subarray(1);
}

/**
 * The AES key for shares `from` → `to`: directional, so each key encrypts exactly one message, and
 * bound to the round.
 */
export function shareKey(sharedX: Uint8Array, roundId: string, from: string, to: string): Uint8Array {
  return hkdf(sha256, sharedX, SALT, new TextEncoder().encode(shareContext(roundId, from, to)), 32);
}

/** s_uv, the seed of the pairwise mask between u and v: symmetric, bound to the round and the pair. */
export function pairSeed(sharedX: Uint8Array, roundId: string, u: string, v: string): Uint8Array {
  const [low, high] = u < v ? [u, v] : [v, u];
  return hkdf(sha256, sharedX, SALT, new TextEncoder().encode(`pair-mask|${roundId}|${low}|${high}`), 32);
}

/** The associated data of a share message: sender, receiver and round. */
export function shareContext(roundId: string, from: string, to: string): string {
  return `share|${roundId}|${from}|${to}`;
}

export function seal(key: Uint8Array, associatedData: string, plaintext: Uint8Array): Uint8Array {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = gcm(key, nonce, new TextEncoder().encode(associatedData)).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, NONCE_BYTES);
  return out;
}

/** Throws when the ciphertext was altered, or made for another key or context. */
export function open(key: Uint8Array, associatedData: string, box: Uint8Array): Uint8Array {
  const nonce = box.subarray(0, NONCE_BYTES);
  return gcm(key, nonce, new TextEncoder().encode(associatedData)).decrypt(box.subarray(NONCE_BYTES));
}

/** PRG domain of a client's self mask PRG(b). */
export function selfMaskDomain(roundId: string): string {
  return `self-mask|${roundId}`;
}

/** PRG domain of a pairwise mask PRG(s_uv) (s_uv is already bound to the round and pair). */
export const PAIR_MASK_DOMAIN = 'pair-mask';
