import { gcm } from '@noble/ciphers/aes.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Address, type Hex, hexToBytes, toHex } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { nodeCryptoNow } from '../hashing/node-crypto.js';
import { agreementWith, ephemeralAgreement } from './ecdh.js';

/**
 * Bytes sealed to one secp256k1 key (ECIES): an ephemeral key pair, ECDH with the recipient's
 * public key, HKDF-SHA256 over the shared x-coordinate (salted with both public keys, so a box
 * cannot be replayed to another recipient; `info` names what the box is for, so a box made for
 * one purpose or lease does not open as another), then AES-256-GCM.
 *
 *   ephemeral public key (33, compressed) | nonce (12) | ciphertext | tag (16)
 */
export const SEALED_BOX_OVERHEAD = 33 + 12 + 16;

/** Seals `plaintext` so that only the holder of `recipientPublicKey`'s private key can open it, for `info`. */
export function sealTo(
  recipientPublicKey: Uint8Array,
  plaintext: Uint8Array,
  info: string,
  portable = false,
): Hex {
  const recipient = compressed(recipientPublicKey);
  const { sharedX, publicKey: ephemeral } = ephemeralAgreement(recipient, portable);
  const kek = boxKey(sharedX, ephemeral, recipient, info);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = gcmSeal(kek, nonce, plaintext, portable);
  const out = new Uint8Array(45 + sealed.byteLength);
  out.set(ephemeral, 0);
  out.set(nonce, 33);
  out.set(sealed, 45);
  return toHex(out);
}

/**
 * Opens a box sealed to this wallet key for `info`: KEY_UNWRAP_FAILED when it was sealed to
 * another key or for another purpose, or altered.
 */
export function openSealedBox(box: Hex, privateKey: Hex, info: string, portable = false): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(box);
  } catch (cause) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', 'a sealed box is hex', { cause });
  }
  if (bytes.byteLength < SEALED_BOX_OVERHEAD)
    throw new IdlegridError('KEY_UNWRAP_FAILED', `a sealed box has at least ${SEALED_BOX_OVERHEAD} bytes`);
  const ephemeral = bytes.subarray(0, 33);
  try {
    const { sharedX, publicKey: recipient } = agreementWith(hexToBytes(privateKey), ephemeral, portable);
    const kek = boxKey(sharedX, ephemeral, recipient, info);
    return gcmOpen(kek, bytes.subarray(33, 45), bytes.subarray(45), portable);
  } catch (cause) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', 'the box was not sealed to this key, or was altered', {
      cause,
    });
  }
}

/** The compressed public key (33 bytes) of a wallet key. */
export function publicKeyOf(privateKey: Hex): Uint8Array {
  return secp256k1.getPublicKey(hexToBytes(privateKey), true);
}

/** The address of a secp256k1 public key (compressed or not): whose key a box is sealed to. */
export function addressOfPublicKey(publicKey: Uint8Array): Address {
  return publicKeyToAddress(toHex(secp256k1.Point.fromBytes(compressed(publicKey)).toBytes(false)));
}

/** AES-256-GCM of one small message: Node's where it is loaded (@noble's spends more setting up a key than sealing a box). */
function gcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, portable: boolean): Uint8Array {
  const node = portable ? undefined : nodeCryptoNow();
  if (!node) return gcm(key, nonce).encrypt(plaintext);
  const cipher = node.createCipheriv('aes-256-gcm', key, nonce);
  const body = cipher.update(plaintext);
  cipher.final();
  const out = new Uint8Array(body.byteLength + 16);
  out.set(body, 0);
  out.set(cipher.getAuthTag(), body.byteLength);
  return out;
}

function gcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, portable: boolean): Uint8Array {
  const node = portable ? undefined : nodeCryptoNow();
  if (!node) return gcm(key, nonce).decrypt(sealed);
  if (sealed.byteLength < 16) throw new Error('shorter than a tag');
  const decipher = node.createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - 16));
  const body = decipher.update(sealed.subarray(0, sealed.byteLength - 16));
  decipher.final();
  return new Uint8Array(body);
}

/** HKDF-SHA256 over the shared point's x-coordinate (32 bytes), salted with both public keys. */
function boxKey(sharedX: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, info: string): Uint8Array {
  const salt = new Uint8Array(66);
  salt.set(ephemeral, 0);
  salt.set(recipient, 33);
  return hkdf(sha256, sharedX, salt, new TextEncoder().encode(info), 32);
}

function compressed(publicKey: Uint8Array): Uint8Array {
  try {
    return secp256k1.Point.fromBytes(publicKey).toBytes(true);
  } catch (cause) {
    throw new IdlegridError('INVALID_ARGUMENT', 'not a secp256k1 public key', { cause });
  }
}
