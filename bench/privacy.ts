import { createHash } from 'node:crypto';
import {
  decryptArtifactStream,
  encryptArtifactStream,
  newArtifactKey,
  publicKeyOf,
  unwrapKey,
  wrapKey,
} from '@idlegrid/protocol/privacy';
import { generatePrivateKey } from 'viem/accounts';
import { machineLine, markdownTable } from './report.js';
import { median, ms } from './stats.js';

/**
 * What encrypting an artifact costs (`npm run bench:privacy`): the envelope (chunked AES-256-GCM,
 * 64 KiB chunks, streamed as uploads and downloads stream) against the sha-256 that every plain
 * upload and fetch computes anyway to check the CID, in the same run, for a 1 MB input and a
 * 100 MB model; and wrapping and unwrapping a key.
 */
const SIZES = [
  { label: '1 MB input', bytes: 2 ** 20, trials: 30 },
  { label: '100 MB model', bytes: 100 * 2 ** 20, trials: 5 },
];
const PIECE = 2 ** 20; // how a file or an HTTP body arrives: in pieces of about this size

async function* piecesOf(data: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += PIECE) yield data.subarray(at, at + PIECE);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of source) out.push(piece);
  return out;
}

async function timed(trials: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const mbPerSecond = (bytes: number, millis: number) => (bytes / 2 ** 20 / (millis / 1000)).toFixed(0);

export async function runPrivacyBenchmark(): Promise<string> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    const plaintext = new Uint8Array(size.bytes).map((_, i) => (i * 131) & 0xff);
    const key = newArtifactKey();
    const envelope = Buffer.concat(await drain(encryptArtifactStream(key, piecesOf(plaintext))));
    const hashMs = await timed(size.trials, async () => {
      const hash = createHash('sha256');
      for await (const piece of piecesOf(plaintext)) hash.update(piece);
      return hash.digest();
    });
    const encryptMs = await timed(size.trials, () => drain(encryptArtifactStream(key, piecesOf(plaintext))));
    const decryptMs = await timed(size.trials, () => drain(decryptArtifactStream(key, piecesOf(envelope))));
    rows.push([
      size.label,
      `${ms(hashMs)} (${mbPerSecond(size.bytes, hashMs)} MB/s)`,
      `${ms(encryptMs)} (${mbPerSecond(size.bytes, encryptMs)} MB/s)`,
      `${ms(decryptMs)} (${mbPerSecond(size.bytes, decryptMs)} MB/s)`,
      `${(((envelope.byteLength - size.bytes) / size.bytes) * 100).toFixed(3)}%`,
    ]);
    console.log(
      `privacy: ${size.label}: hash ${ms(hashMs)} ms, encrypt ${ms(encryptMs)} ms, decrypt ${ms(decryptMs)} ms`,
    );
  }
  const owner = generatePrivateKey();
  const publicKey = publicKeyOf(owner);
  const artifactKey = newArtifactKey();
  const wrapped = wrapKey(artifactKey, publicKey);
  const wrapMs = await timed(200, async () => wrapKey(artifactKey, publicKey));
  const unwrapMs = await timed(200, async () => unwrapKey(wrapped, owner));
  return [
    '## Privacy: the cost of encrypted artifacts',
    '',
    machineLine(),
    '',
    'Streamed in 1 MiB pieces, as a file or an HTTP body arrives; median of the trials (30 for 1 MB, 5 for 100 MB), ms. "sha-256" is the hash every plain upload and fetch computes to check a CID: the baseline an encrypted artifact is compared with. Encryption hashes the plaintext too (the digest sealed in its trailer), so its column includes that hash.',
    '',
    markdownTable(['artifact', 'sha-256 (plain)', 'encrypt', 'decrypt and check', 'size added'], rows),
    '',
    `Wrapping a key to a secp256k1 public key (ECIES): ${ms(wrapMs * 1000)} µs; unwrapping it: ${ms(unwrapMs * 1000)} µs (median of 200).`,
  ].join('\n');
}
