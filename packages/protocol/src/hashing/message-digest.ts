import { bytesToHex, type Hex } from 'viem';
import { keccak256Bytes } from './keccak.js';

const UTF8 = new TextEncoder();

/**
 * The EIP-191 digest of a text, as viem's `hashMessage`: keccak-256 of "\x19Ethereum Signed
 * Message:\n", the text's length in bytes, and its bytes. Through the WebAssembly keccak and
 * with no hex round trips: a device's signed batch of readings is about 60 kB, and viem's
 * pure-JS keccak over it was most of what taking a batch cost (docs/benchmarks.md, feeds).
 */
export function messageDigest(text: string): Hex {
  const body = UTF8.encode(text);
  const prefix = UTF8.encode(`\x19Ethereum Signed Message:\n${body.length}`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  return bytesToHex(keccak256Bytes(message));
}
