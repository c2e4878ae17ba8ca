import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isIdlegridError } from '../errors/idlegrid-error.js';
import {
  decryptArtifact,
  decryptArtifactStream,
  encryptArtifact,
  encryptArtifactStream,
  isEnvelope,
  newArtifactKey,
  type PlaintextDigest,
} from './envelope.js';

const CHUNK_LOG2 = 10; // 1 KiB chunks: many chunks from small inputs
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);
const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isIdlegridError(error) ? error.code : String(error);
  }
  return 'no error';
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += size) yield data.subarray(at, at + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

describe('artifact envelope', () => {
  it('round-trips any size, including empty and exact chunk multiples, with the plaintext digest inside', async () => {
    const key = newArtifactKey();
    for (const size of [0, 1, 1023, 1024, 1025, 5 * 1024, 10_000]) {
      const plaintext = bytes(size);
      const envelope = await encryptArtifact(key, plaintext, CHUNK_LOG2);
      const opened = await decryptArtifact(key, envelope);
      expect(opened.plaintext).toEqual(plaintext);
      expect(opened.size).toBe(size);
      expect(opened.sha256).toEqual(sha256(plaintext));
    }
  });

  it('hides the plaintext: fresh nonces each time, no plaintext bytes or hash beside the ciphertext', async () => {
    const key = newArtifactKey();
    const plaintext = new TextEncoder().encode('MARKER-7f3a '.repeat(400));
    const a = await encryptArtifact(key, plaintext, CHUNK_LOG2);
    const b = await encryptArtifact(key, plaintext, CHUNK_LOG2);
    expect(a).not.toEqual(b);
    const text = Buffer.from(a).toString('latin1');
    expect(text).not.toContain('MARKER');
    expect(Buffer.from(a).includes(Buffer.from(sha256(plaintext)))).toBe(false);
  });

  it('refuses a wrong key and any changed, dropped, reordered or cut-off chunk', async () => {
    const key = newArtifactKey();
    const envelope = await encryptArtifact(key, bytes(4 * 1024 + 100), CHUNK_LOG2);
    const sealed = 1024 + 16;
    expect(await codeOf(() => decryptArtifact(newArtifactKey(), envelope))).toBe('ENVELOPE_TAMPERED');
    for (const at of [0 + 13, 13 + sealed + 5, envelope.byteLength - 1]) {
      const flipped = envelope.slice();
      flipped[at]! ^= 1;
      expect(await codeOf(() => decryptArtifact(key, flipped))).toBe('ENVELOPE_TAMPERED');
    }
    const header = envelope.subarray(0, 13);
    const chunk = (i: number) => envelope.subarray(13 + i * sealed, 13 + (i + 1) * sealed);
    const rest = envelope.subarray(13 + 4 * sealed);
    const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
    const dropped = join(header, chunk(0), chunk(2), chunk(3), rest);
    const swapped = join(header, chunk(1), chunk(0), chunk(2), chunk(3), rest);
    const cut = join(header, chunk(0), chunk(1));
    for (const bad of [dropped, swapped, cut])
      expect(await codeOf(() => decryptArtifact(key, bad))).toBe('ENVELOPE_TAMPERED');
    // The header is bound to every chunk: another chunk size or nonce prefix fails too.
    const otherHeader = envelope.slice();
    otherHeader[8]! ^= 1;
    expect(await codeOf(() => decryptArtifact(key, otherHeader))).toBe('ENVELOPE_TAMPERED');
  });

  it('refuses what is not an envelope with ENVELOPE_INVALID', async () => {
    const key = newArtifactKey();
    expect(isEnvelope(await encryptArtifact(key, bytes(3)))).toBe(true);
    expect(isEnvelope(bytes(100))).toBe(false);
    expect(await codeOf(() => decryptArtifact(key, bytes(100)))).toBe('ENVELOPE_INVALID');
    const envelope = await encryptArtifact(key, bytes(10), CHUNK_LOG2);
    expect(await codeOf(() => decryptArtifact(key, envelope.subarray(0, 20)))).toBe('ENVELOPE_INVALID');
    const future = envelope.slice();
    future[4] = 9;
    expect(await codeOf(() => decryptArtifact(key, future))).toBe('ENVELOPE_INVALID');
    expect(await codeOf(() => encryptArtifact(new Uint8Array(16), bytes(1)))).toBe('INVALID_ARGUMENT');
  });

  it('streams both ways in pieces of any size, to the same bytes as in memory', async () => {
    const key = newArtifactKey();
    const plaintext = bytes(7 * 1024 + 333, 7);
    const envelope = await collect(encryptArtifactStream(key, pieces(plaintext, 700), CHUNK_LOG2));
    expect((await decryptArtifact(key, envelope)).plaintext).toEqual(plaintext);
    for (const size of [1, 13, 1040, 5000]) {
      let digest: PlaintextDigest | undefined;
      const opened = await collect(decryptArtifactStream(key, pieces(envelope, size), (d) => (digest = d)));
      expect(opened).toEqual(plaintext);
      expect(digest?.sha256).toEqual(sha256(plaintext));
    }
  });

  it('ends a stream whose trailer does not match with ENVELOPE_TAMPERED, after the chunks', async () => {
    const key = newArtifactKey();
    const envelope = await encryptArtifact(key, bytes(3000), CHUNK_LOG2);
    const cut = envelope.subarray(0, envelope.byteLength - 56);
    expect(await codeOf(() => collect(decryptArtifactStream(key, pieces(cut, 512))))).toBe(
      'ENVELOPE_TAMPERED',
    );
  });
});
