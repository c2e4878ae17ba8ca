import { chacha20 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

const PRG_SALT = new TextEncoder().encode('idlegrid/secagg/prg/v1');
const ZERO_NONCE = new Uint8Array(12);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `length` pseudorandom ring elements from a 32-byte seed: the ChaCha20 keystream read as
 * little-endian 32-bit words. The ChaCha key is HKDF(seed, domain), so one seed used for two
 * purposes (say a self mask in two rounds) gives unrelated streams, and the all-zero nonce is safe
 * because no key is ever used twice. Client and server must get the same words on any platform,
 * hence the explicit byte order.
 */
export function expandMask(seed: Uint8Array, length: number, domain: string): Uint32Array {
  if (seed.length !== 32) throw new RangeError(`a PRG seed is 32 bytes, got ${seed.length}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad mask length ${length}`);
  const key = hkdf(sha256, seed, PRG_SALT, new TextEncoder().encode(domain), 32);
  const stream = chacha20(key, ZERO_NONCE, new Uint8Array(length * 4));
  if (LITTLE_ENDIAN) return new Uint32Array(stream.buffer, stream.byteOffset, length);
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
