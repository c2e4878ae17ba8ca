import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { hexToBytes, sha256 } from 'viem';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { canonicalJson } from './canonical-json.js';
import { nodeCryptoNow } from './node-crypto.js';

const SHA2_256 = 0x12;
const RAW_CODEC = 0x55;
const JSON_CODEC = 0x0200;

/** sha-256 on Node's native hash where it is loaded (about 1.5 GB/s here; viem's, in JavaScript, 0.14). */
function sha256Of(bytes: Uint8Array): Uint8Array {
  const node = nodeCryptoNow();
  return node ? new Uint8Array(node.createHash('sha256').update(bytes).digest()) : hexToBytes(sha256(bytes));
}

function cidOf(codec: number, bytes: Uint8Array): string {
  return CID.createV1(codec, createDigest(SHA2_256, sha256Of(bytes))).toString();
}

/** CIDv1 (raw codec, sha-256, base32) of a blob: the address of every artifact. */
export function cidOfBytes(bytes: Uint8Array): string {
  return cidOf(RAW_CODEC, bytes);
}

/** The raw-blob CID of content whose sha-256 `digest` was computed elsewhere (a file hashed as a stream). */
export function cidOfSha256(digest: Uint8Array): string {
  return CID.createV1(RAW_CODEC, createDigest(SHA2_256, digest)).toString();
}

/** CIDv1 (json codec, sha-256) of a structured value, over its canonical JSON. */
export function cidOfJson(value: unknown): string {
  return cidOf(JSON_CODEC, new TextEncoder().encode(canonicalJson(value)));
}

export function parseCid(text: string): CID {
  try {
    const cid = CID.parse(text);
    if (cid.version !== 1 || cid.multihash.code !== SHA2_256) throw new Error('not a CIDv1 with sha-256');
    return cid;
  } catch (cause) {
    throw new IdlegridError('CID_INVALID', `not a valid sha-256 CIDv1: ${text}`, { cause });
  }
}

/** Throws CID_MISMATCH unless `bytes` are exactly the content `cid` names. */
export function verifyCid(cid: string, bytes: Uint8Array): void {
  const parsed = parseCid(cid);
  const actual = cidOf(parsed.code, bytes);
  if (actual !== parsed.toString()) {
    throw new IdlegridError('CID_MISMATCH', `content does not match ${cid}`, {
      details: { expected: cid, actual },
    });
  }
}

/** Throws CID_MISMATCH unless `digest` (a sha-256 computed as the content streamed by) is the one `cid` names. */
export function verifyCidDigest(cid: string, digest: Uint8Array): void {
  const expected = parseCid(cid).multihash.digest;
  if (expected.byteLength !== digest.byteLength || expected.some((byte, i) => byte !== digest[i])) {
    throw new IdlegridError('CID_MISMATCH', `content does not match ${cid}`, {
      details: { expected: cid, actual: cidOfSha256(digest) },
    });
  }
}
