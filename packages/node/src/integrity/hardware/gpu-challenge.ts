import { randomBytes, randomInt } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';
import { toHex } from 'viem';
import { z } from 'zod';
import { cardTflops, GPU_CARD_TFLOPS } from './gpu-cards.js';
import { GPU_MODULUS, GPU_WORK_SOURCE } from './gpu-work.js';

const MAX_LANES = 16;
const MAX_SIZE = 8192;
const MAX_PRODUCTS = 16;
/** Base64 of one lane's digests: 4 bytes a row. */
const MAX_LANE_CHARS = Math.ceil((4 * MAX_SIZE) / 3) * 4;

/**
 * A GPU proof-of-hardware challenge: on each of `lanes` GPUs (one for each claimed card), the
 * seeded products of gpu-work.ts, `products` of them at `size`². A real card answers in tens of
 * milliseconds past the CPU work both sides share; a CPU standing in for it needs seconds.
 */
export const gpuChallengeSchema = z.strictObject({
  kind: z.literal('gpu'),
  challengeId: z.string().regex(/^0x[0-9a-f]{64}$/),
  seed: z.string().regex(/^0x[0-9a-f]{64}$/),
  lanes: z.number().int().min(1).max(MAX_LANES),
  size: z
    .number()
    .int()
    .min(64)
    .max(MAX_SIZE)
    .refine((n) => n % 8 === 0, 'a multiple of 8'),
  products: z.number().int().min(1).max(MAX_PRODUCTS),
  modulus: z.literal(GPU_MODULUS),
});
export type GpuChallenge = z.output<typeof gpuChallengeSchema>;

/** Each lane's row digests: base64 of `size` little-endian uint32s. */
export const gpuAnswerSchema = z.strictObject({
  lanes: z.array(z.string().max(MAX_LANE_CHARS)).max(MAX_LANES),
});
export type GpuAnswer = z.output<typeof gpuAnswerSchema>;

export interface GpuChallengeSettings {
  /** The matrices' size (default 4096: 64 MB each, 137 GFLOP a product). */
  size?: number;
  /** The products are sized to take the claimed card about this long (default 50 ms)... */
  targetMs?: number;
  /** ...within these bounds (default 2 to 8: the coordinator checks each product's rows). */
  minProducts?: number;
  maxProducts?: number;
  /** Cards' float32 TFLOPS by name (default gpu-cards.ts). */
  cards?: Readonly<Record<string, number>>;
}

/** A fresh challenge for a claim of `count` cards of `model`: its seed is unknown to the provider until it arrives. */
export function gpuChallengeFor(
  claim: { count: number; model: string },
  settings: GpuChallengeSettings = {},
): GpuChallenge {
  const size = settings.size ?? 4096;
  const tflops = cardTflops(claim.model, settings.cards ?? GPU_CARD_TFLOPS);
  const fitting = Math.round(((settings.targetMs ?? 50) / 1000) * ((tflops * 1e12) / (2 * size ** 3)));
  const products = Math.min(settings.maxProducts ?? 8, Math.max(settings.minProducts ?? 2, fitting));
  return {
    kind: 'gpu',
    challengeId: toHex(randomBytes(32)),
    seed: toHex(randomBytes(32)),
    lanes: Math.min(MAX_LANES, Math.max(1, Math.floor(claim.count))),
    size,
    products,
    modulus: GPU_MODULUS,
  };
}

export function encodeLaneDigests(digests: Uint32Array): string {
  return Buffer.from(digests.buffer, digests.byteOffset, digests.byteLength).toString('base64');
}

function decodeLaneDigests(text: string, size: number): Uint32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== 4 * size) return undefined;
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The rows of one lane the coordinator recomputes: a cheater that did a share f of the rows passes with f². */
const CHECKED_ROWS = 2;

/**
 * Checks an answer the way a CPU can afford: one lane and CHECKED_ROWS rows, picked after the
 * answer arrived, recomputed in a worker thread (K·n² multiply-adds a row). The time the
 * coordinator took to generate B is the reference the deadline scales with.
 */
export async function checkGpuAnswer(
  challenge: GpuChallenge,
  answer: GpuAnswer,
): Promise<{ correct: boolean; checkedLane: number; rows: number[]; referenceMatrixMs: number }> {
  const checkedLane = randomInt(challenge.lanes);
  const rows = Array.from({ length: CHECKED_ROWS }, () => randomInt(challenge.size));
  const expected = await recomputeRows(challenge, checkedLane, rows);
  const text = answer.lanes.length === challenge.lanes ? answer.lanes[checkedLane] : undefined;
  const given = text === undefined ? undefined : decodeLaneDigests(text, challenge.size);
  const correct = given !== undefined && rows.every((row, i) => given[row] === expected.digests[i]);
  return { correct, checkedLane, rows, referenceMatrixMs: expected.generateMs };
}

const CHECK_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${GPU_WORK_SOURCE}
const { seed, lane, size: n, products: k, modulus: p, rows } = workerData;
const T = tables(seed, lane, k, p);
const W = weights(seed, lane, n);
const aRows = rows.map((row) => { const out = new Float32Array(n); rowOfA(seed, lane, n, row, out, 0); return out; });
// acc[j][r]: row rows[r] of A · Tj[B], accumulated one row of B at a time (B is never held whole).
const acc = Array.from({ length: k }, () => rows.map(() => new Float64Array(n)));
const bRow = new Int32Array(n);
const f = new Float64Array(n);
let generateMs = 0;
for (let kk = 0; kk < n; kk++) {
  const started = performance.now();
  rowOfB(seed, lane, n, p, kk, bRow, 0);
  generateMs += performance.now() - started;
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < n; c++) f[c] = T[j * p + bRow[c]];
    for (let r = 0; r < rows.length; r++) {
      const a = aRows[r][kk];
      if (a === 0) continue;
      const out = acc[j][r];
      for (let c = 0; c < n; c++) out[c] += a * f[c];
    }
  }
}
const digests = rows.map((_, r) => {
  const perProduct = acc.map((rowsOfJ) => {
    let sum = 0;
    const row = rowsOfJ[r];
    for (let c = 0; c < n; c++) sum += W[c] * (row[c] % p);
    return [sum];
  });
  return fold(perProduct, k, n, 0);
});
parentPort.postMessage({ digests, generateMs });
`;

function recomputeRows(
  challenge: GpuChallenge,
  lane: number,
  rows: number[],
): Promise<{ digests: number[]; generateMs: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CHECK_WORKER_SOURCE, {
      eval: true,
      workerData: { ...challenge, lane, rows },
      execArgv: ['--no-warnings'],
    });
    worker.once('message', resolve);
    worker.once('error', (error) =>
      reject(new IdlegridError('INTERNAL', `the GPU challenge check failed: ${error.message}`)),
    );
    worker.once('exit', (code) => {
      if (code !== 0) reject(new IdlegridError('INTERNAL', `the GPU challenge check exited with ${code}`));
    });
  });
}
