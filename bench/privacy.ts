import { createHash } from 'node:crypto';
import { FaultProxy } from '@idlegrid/node/testing';
import { localAccount } from '@idlegrid/protocol';
import {
  decryptArtifactStream,
  encryptArtifactStream,
  newArtifactKey,
  publicKeyOf,
  unwrapKey,
  wrapKey,
} from '@idlegrid/protocol/privacy';
import { CoordinatorClient, downloadArtifact, uploadArtifact } from '@idlegrid/sdk';
import { openArtifact, sealArtifact } from '@idlegrid/sdk/privacy';
import { generatePrivateKey } from 'viem/accounts';
import { domain, startNetwork } from './local-network.js';
import { privateJobRows } from './private-jobs.js';
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

/** A link of 400 Mbit/s (50 MB/s) and 1 ms each way: what a model fetch meets beyond one machine. */
const LINK = { bytesPerSecond: 50_000_000, delayMs: 1 };

/**
 * Fetching through a real coordinator (its own process, HTTP on 127.0.0.1): a plain artifact,
 * checked against its CID, against an encrypted one, checked, unwrapped and decrypted; each
 * straight to the coordinator's port, and through a proxy that gives the connection the
 * capacity of LINK. Returns a table row per size and path: median ms of each and the overhead.
 */
async function fetchOverhead(): Promise<string[][]> {
  const net = await startNetwork(0);
  const proxy = await FaultProxy.start({
    target: { port: Number(new URL(net.coordinatorUrl).port) },
    ...LINK,
  });
  try {
    const key = generatePrivateKey();
    const direct = { coordinator: net.ctx.coordinator, signer: localAccount(key), domain };
    const linked = {
      ...direct,
      coordinator: new CoordinatorClient({ url: `http://127.0.0.1:${proxy.port}` }),
    };
    const rows: string[][] = [];
    for (const size of SIZES) {
      const plaintext = new Uint8Array(size.bytes).map((_, i) => (i * 131) & 0xff);
      const plainCid = await uploadArtifact(direct, plaintext);
      const sealed = await sealArtifact(direct, plaintext);
      for (const [path, ctx] of [
        ['127.0.0.1', direct],
        ['400 Mbit/s link', linked],
      ] as const) {
        // Alternating trials, so that both see the same machine.
        const plain: number[] = [];
        const encrypted: number[] = [];
        await downloadArtifact(ctx, plainCid);
        await openArtifact(ctx, sealed, key);
        for (let i = 0; i < size.trials; i++) {
          let t0 = performance.now();
          await downloadArtifact(ctx, plainCid);
          plain.push(performance.now() - t0);
          t0 = performance.now();
          await openArtifact(ctx, sealed, key);
          encrypted.push(performance.now() - t0);
        }
        const [p, e] = [median(plain), median(encrypted)];
        rows.push([size.label, path, ms(p), ms(e), `${(((e - p) / p) * 100).toFixed(0)}%`]);
        console.log(`privacy: fetch ${size.label} over ${path}: plain ${ms(p)} ms, encrypted ${ms(e)} ms`);
      }
    }
    return rows;
  } finally {
    await proxy.close();
    await net.stop();
  }
}

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
  const fetchRows = await fetchOverhead();
  const privateJobs = await privateJobRows();
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
    '',
    "Fetched from a coordinator (its own process) over HTTP, same trials, alternating: a plain artifact hashed as it arrives and checked against its CID (`downloadArtifact`), against an encrypted one whose key is unwrapped and whose chunks are opened, authenticated and hashed as they arrive (`openArtifact`; from 8 MiB on, in a worker thread, so that decryption runs beside the transfer). Each straight to the coordinator's port on 127.0.0.1, and through a proxy (the tests' FaultProxy) that gives the connection 400 Mbit/s and 1 ms each way, as a fetch from another machine meets. On 127.0.0.1 the fetch is bound by this 2-core machine's CPU, which the coordinator, the client and the decryption worker share: decryption's CPU time (AES-GCM runs at about 575 MB/s here) adds to the fetch. Over the link, decryption runs while the bytes arrive.",
    '',
    markdownTable(['artifact', 'path', 'plain fetch ms', 'encrypted fetch ms', 'overhead'], fetchRows),
    '',
    '### Private jobs',
    '',
    "Submit to checked result, one call each, on a network of processes (a coordinator and 4 providers, 127.0.0.1, no chain): the same WASM job (`hash-chain 1`, which reads its whole stdin) plain (`runWasmJob`, stdin uploaded) and private (`runPrivateJob`: stdin sealed and uploaded, the lease's secrets sealed to the provider when the coordinator announces it, the output opened and checked against its salted outcome), alternating; median ms.",
    '',
    markdownTable(['job', 'plain ms', 'private ms', 'overhead'], privateJobs.jobs),
    '',
    privateJobs.erasure,
  ].join('\n');
}
