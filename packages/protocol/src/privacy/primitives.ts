import { sha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from '../hashing/node-crypto.js';

/**
 * AES-256-GCM and incremental SHA-256 for envelopes: Node's own crypto where it runs (AES-GCM at
 * about 1.4 GB/s on 64 KiB chunks here, WebCrypto at 0.3, since each WebCrypto call is a trip to
 * a thread pool), WebCrypto and @noble/hashes in a browser.
 */
const TAG_BYTES = 16;

export interface AesGcm {
  encrypt(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Rejects when the tag does not authenticate the ciphertext, IV and AAD under this key. */
  decrypt(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
}

export interface Sha256 {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

/** `portable` picks the browser's implementation even in Node (the tests compare both). */
export async function aesGcm(key: Uint8Array, portable = false): Promise<AesGcm> {
  const node = portable ? undefined : await nodeCrypto;
  if (node) {
    return {
      async encrypt(iv, aad, plaintext) {
        const cipher = node.createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
        const body = cipher.update(plaintext);
        cipher.final(); // GCM holds nothing back
        return concatBytes([body, cipher.getAuthTag()]);
      },
      async decrypt(iv, aad, sealed) {
        if (sealed.byteLength < TAG_BYTES) throw new Error('shorter than a tag');
        const decipher = node.createDecipheriv('aes-256-gcm', key, iv).setAAD(aad);
        decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG_BYTES));
        const body = decipher.update(sealed.subarray(0, sealed.byteLength - TAG_BYTES));
        decipher.final(); // checks the tag; GCM holds nothing back
        return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      },
    };
  }
  const webKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return {
    encrypt: async (iv, aad, plaintext) =>
      new Uint8Array(
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, webKey, plaintext),
      ),
    decrypt: async (iv, aad, sealed) =>
      new Uint8Array(
        await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad }, webKey, sealed),
      ),
  };
}

export async function sha256Hasher(portable = false): Promise<Sha256> {
  const node = portable ? undefined : await nodeCrypto;
  if (node) {
    const hash = node.createHash('sha256');
    return { update: (data) => hash.update(data), digest: () => new Uint8Array(hash.digest()) };
  }
  return sha256.create();
}

/** The bytes of `parts`, one after another, in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
