import { IdlegridError } from '../errors/idlegrid-error.js';
import { type AesGcm, aesGcm, concatBytes, type Sha256, sha256Hasher } from './primitives.js';

/**
 * The encrypted form of an artifact: AES-256-GCM under a fresh key per artifact, in chunks, so
 * that a 100 MB model streams through a fixed amount of memory (the STREAM construction of Hoang,
 * Reyhanitabar, Rogaway and Vizár, as age and Tink use it):
 *
 *   header   "IGE1" | version (1) | log2 chunk size (1) | nonce prefix (7 random bytes)
 *   chunks   each plaintext chunk sealed under nonce = prefix | index (4, big-endian) | 0
 *   trailer  sha-256 of the plaintext (32) | plaintext size (8, big-endian), sealed under
 *            nonce = prefix | index | 1
 *
 * Every chunk authenticates the header as associated data. Chunks cannot be dropped, reordered or
 * moved to another artifact, and the end cannot be cut off: the trailer alone carries the final
 * flag. The plaintext hash (what replicas compare) travels inside the trailer, never beside it,
 * and the CID of the envelope names only ciphertext.
 */
const MAGIC = [0x49, 0x47, 0x45, 0x31]; // "IGE1"
const VERSION = 1;
const HEADER_BYTES = 13;
const TAG_BYTES = 16;
const TRAILER_BYTES = 32 + 8;
const DEFAULT_CHUNK_LOG2 = 16; // 64 KiB
const MIN_CHUNK_LOG2 = 10;
const MAX_CHUNK_LOG2 = 24;
export const ARTIFACT_KEY_BYTES = 32;

/** What decryption proves about the plaintext: its sha-256 and size, as the encrypting party saw them. */
export interface PlaintextDigest {
  sha256: Uint8Array;
  size: number;
}

/** Whether `bytes` start like an envelope (its magic and version): encrypted, not proven intact. */
export function isEnvelope(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= HEADER_BYTES && MAGIC.every((byte, i) => bytes[i] === byte) && bytes[4] === VERSION
  );
}

/** A fresh random key for one artifact. */
export function newArtifactKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(ARTIFACT_KEY_BYTES));
}

/** Seals one artifact held in memory; `chunkLog2` sets the chunk size (64 KiB by default). */
export async function encryptArtifact(
  key: Uint8Array,
  plaintext: Uint8Array,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
): Promise<Uint8Array> {
  const sealer = new EnvelopeSealer(key, chunkLog2);
  const parts = [sealer.header];
  for (let at = 0; at < plaintext.byteLength; at += sealer.chunkBytes) {
    parts.push(await sealer.seal(plaintext.subarray(at, at + sealer.chunkBytes)));
  }
  parts.push(await sealer.finish());
  return concatBytes(parts);
}

/** Seals a stream of bytes of any chunking; yields the envelope piece by piece. */
export async function* encryptArtifactStream(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  chunkLog2 = DEFAULT_CHUNK_LOG2,
): AsyncGenerator<Uint8Array> {
  const sealer = new EnvelopeSealer(key, chunkLog2);
  yield sealer.header;
  const pending = new ByteQueue();
  for await (const piece of source) {
    pending.push(piece);
    while (pending.length >= sealer.chunkBytes) yield await sealer.seal(pending.take(sealer.chunkBytes));
  }
  if (pending.length > 0) yield await sealer.seal(pending.take(pending.length));
  yield await sealer.finish();
}

/** Opens an envelope held in memory: the plaintext and its digest, or ENVELOPE_INVALID / ENVELOPE_TAMPERED. */
export async function decryptArtifact(
  key: Uint8Array,
  envelope: Uint8Array,
): Promise<{ plaintext: Uint8Array } & PlaintextDigest> {
  const opener = new EnvelopeOpener(key, envelope.subarray(0, HEADER_BYTES));
  const body = envelope.subarray(HEADER_BYTES);
  if (body.byteLength < TRAILER_BYTES + TAG_BYTES) throw invalid('the envelope ends before its trailer');
  const trailerAt = body.byteLength - TRAILER_BYTES - TAG_BYTES;
  const parts: Uint8Array[] = [];
  for (let at = 0; at < trailerAt; at += opener.sealedChunkBytes) {
    parts.push(await opener.open(body.subarray(at, Math.min(at + opener.sealedChunkBytes, trailerAt))));
  }
  const digest = await opener.finish(body.subarray(trailerAt));
  return { plaintext: concatBytes(parts), ...digest };
}

/**
 * Opens a streamed envelope, yielding plaintext chunks as they are authenticated. Only the end
 * proves the whole: the generator throws ENVELOPE_TAMPERED after the last chunk when the trailer
 * does not match, so a consumer must not act on the plaintext before the generator is done.
 * `onDigest` receives the digest once the trailer has been checked.
 */
export async function* decryptArtifactStream(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  onDigest?: (digest: PlaintextDigest) => void,
): AsyncGenerator<Uint8Array> {
  const pending = new ByteQueue();
  let opener: EnvelopeOpener | undefined;
  for await (const piece of source) {
    pending.push(piece);
    if (!opener && pending.length >= HEADER_BYTES)
      opener = new EnvelopeOpener(key, pending.take(HEADER_BYTES));
    // A full chunk is data only when more than a trailer follows it.
    while (opener && pending.length > opener.sealedChunkBytes + TRAILER_BYTES + TAG_BYTES) {
      yield await opener.open(pending.take(opener.sealedChunkBytes));
    }
  }
  if (!opener) throw invalid('the envelope ends inside its header');
  const rest = pending.take(pending.length);
  if (rest.byteLength < TRAILER_BYTES + TAG_BYTES) throw invalid('the envelope ends before its trailer');
  const trailerAt = rest.byteLength - TRAILER_BYTES - TAG_BYTES;
  if (trailerAt > 0) yield await opener.open(rest.subarray(0, trailerAt));
  onDigest?.(await opener.finish(rest.subarray(trailerAt)));
}

class EnvelopeSealer {
  readonly header: Uint8Array;
  readonly chunkBytes: number;
  readonly #cipher: Promise<AesGcm>;
  readonly #hash: Promise<Sha256> = sha256Hasher();
  #index = 0;
  #size = 0;

  constructor(key: Uint8Array, chunkLog2: number) {
    if (!Number.isInteger(chunkLog2) || chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2)
      throw new IdlegridError(
        'INVALID_ARGUMENT',
        `chunk size must be 2^${MIN_CHUNK_LOG2} to 2^${MAX_CHUNK_LOG2} bytes`,
      );
    this.#cipher = cipherOf(key);
    this.chunkBytes = 2 ** chunkLog2;
    this.header = new Uint8Array(HEADER_BYTES);
    this.header.set(MAGIC, 0);
    this.header[4] = VERSION;
    this.header[5] = chunkLog2;
    this.header.set(crypto.getRandomValues(new Uint8Array(7)), 6);
  }

  /** Seals the next chunk; calls must not overlap (each waits for the one before). */
  async seal(chunk: Uint8Array): Promise<Uint8Array> {
    (await this.#hash).update(chunk);
    this.#size += chunk.byteLength;
    return this.#encrypt(chunk, false);
  }

  async finish(): Promise<Uint8Array> {
    const trailer = new Uint8Array(TRAILER_BYTES);
    trailer.set((await this.#hash).digest(), 0);
    new DataView(trailer.buffer).setBigUint64(32, BigInt(this.#size));
    return this.#encrypt(trailer, true);
  }

  async #encrypt(data: Uint8Array, last: boolean): Promise<Uint8Array> {
    const iv = nonceOf(this.header, this.#index++, last);
    return (await this.#cipher).encrypt(iv, this.header, data);
  }
}

class EnvelopeOpener {
  readonly sealedChunkBytes: number;
  readonly #cipher: Promise<AesGcm>;
  readonly #header: Uint8Array;
  readonly #hash: Promise<Sha256> = sha256Hasher();
  #index = 0;
  #size = 0;

  constructor(key: Uint8Array, header: Uint8Array) {
    if (header.byteLength < HEADER_BYTES || MAGIC.some((byte, i) => header[i] !== byte))
      throw invalid('not an idlegrid envelope');
    if (header[4] !== VERSION) throw invalid(`envelope version ${header[4]} is not supported`);
    const chunkLog2 = header[5]!;
    if (chunkLog2 < MIN_CHUNK_LOG2 || chunkLog2 > MAX_CHUNK_LOG2) throw invalid('bad chunk size');
    this.#cipher = cipherOf(key);
    this.#header = header.slice(0, HEADER_BYTES);
    this.sealedChunkBytes = 2 ** chunkLog2 + TAG_BYTES;
  }

  async open(sealed: Uint8Array): Promise<Uint8Array> {
    const chunk = await this.#decrypt(sealed, false);
    (await this.#hash).update(chunk);
    this.#size += chunk.byteLength;
    return chunk;
  }

  async finish(sealedTrailer: Uint8Array): Promise<PlaintextDigest> {
    const trailer = await this.#decrypt(sealedTrailer, true);
    const sha = trailer.slice(0, 32);
    const size = Number(new DataView(trailer.buffer, trailer.byteOffset).getBigUint64(32));
    if (size !== this.#size || !equal(sha, (await this.#hash).digest()))
      throw new IdlegridError(
        'ENVELOPE_TAMPERED',
        'the envelope does not hold the plaintext its trailer names',
      );
    return { sha256: sha, size };
  }

  async #decrypt(sealed: Uint8Array, last: boolean): Promise<Uint8Array> {
    const iv = nonceOf(this.#header, this.#index++, last);
    const cipher = await this.#cipher;
    try {
      return await cipher.decrypt(iv, this.#header, sealed);
    } catch (cause) {
      throw new IdlegridError(
        'ENVELOPE_TAMPERED',
        'an envelope chunk failed authentication: a wrong key, or bytes changed, dropped or moved',
        { cause, details: { chunk: this.#index - 1 } },
      );
    }
  }
}

function nonceOf(header: Uint8Array, index: number, last: boolean): Uint8Array {
  if (index >= 2 ** 32)
    throw new IdlegridError('ARTIFACT_TOO_LARGE', 'an envelope holds at most 2^32 chunks');
  const nonce = new Uint8Array(12);
  nonce.set(header.subarray(6, 13), 0);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** The cipher for one envelope; the key is checked at once (a wrong length is the caller's bug, not tampering). */
function cipherOf(key: Uint8Array): Promise<AesGcm> {
  if (!(key instanceof Uint8Array) || key.byteLength !== ARTIFACT_KEY_BYTES)
    throw new IdlegridError('INVALID_ARGUMENT', `an artifact key is ${ARTIFACT_KEY_BYTES} bytes`);
  return aesGcm(key);
}

function invalid(message: string): IdlegridError {
  return new IdlegridError('ENVELOPE_INVALID', message);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** Bytes arriving in pieces of any size, taken off the front in the sizes a chunker needs. */
class ByteQueue {
  #pieces: Uint8Array[] = [];
  length = 0;

  push(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    this.#pieces.push(piece);
    this.length += piece.byteLength;
  }

  take(count: number): Uint8Array {
    const first = this.#pieces[0];
    // Within one piece (pieces are usually larger than a chunk): a view, no copy.
    if (first && first.byteLength >= count) {
      this.#pieces[0] = first.subarray(count);
      if (this.#pieces[0].byteLength === 0) this.#pieces.shift();
      this.length -= count;
      return first.subarray(0, count);
    }
    const out = new Uint8Array(count);
    let at = 0;
    while (at < count) {
      const head = this.#pieces[0]!;
      const used = Math.min(head.byteLength, count - at);
      out.set(head.subarray(0, used), at);
      at += used;
      if (used === head.byteLength) this.#pieces.shift();
      else this.#pieces[0] = head.subarray(used);
    }
    this.length -= count;
    return out;
  }
}
