import { encodeModel, type NodeSpec } from '../../runtimes/onnx/onnx-model-writer.js';

/**
 * The work of a GPU proof-of-hardware challenge, for one device ("lane"):
 *
 *   A  float [n, n], entries in [-8, 7]         (seeded)
 *   B  int32 [n, n], entries in [0, p)           (seeded)
 *   Tj float [p], j < K: random tables of [0, p) (seeded)
 *   W  float [n], entries in [1, 4]              (seeded)
 *   r_j = ReduceSum(W ⊙ fmod(A · Tj[B], p), over columns)   → float [n], one number per row
 *
 * then each row's K numbers are folded into one 32-bit digest (FNV-1a), so that the answer is 4n
 * bytes, whatever K is. The ONNX graph does the K products on the provider's GPU; the
 * coordinator recomputes a few rows it picks after the answer arrived (K·n² multiply-adds each).
 *
 * Why this shape:
 * - Every value stays an integer below 2^24 (|A·Tj[B]| ≤ n·8·(p−1), 8.2 M for n = 4096 and
 *   p = 251), so float32 is exact on every GPU and CPU, in any summation order, and also in
 *   TF32 (inputs below 2^11). Both sides get the very same digests.
 * - The tables make each product's right-hand matrix a fresh random function of B, so the K
 *   products share no algebra a cheater could exploit (a polynomial of B would collapse into a
 *   few products), and only two matrices are generated on the CPU whatever K is.
 * - `fmod` before the weighted row sum: without it, r_j = A·(Tj[B]·W) would cost n², not n³.
 *
 * The generator is a CommonJS text (like the CPU lanes') run in workers by both sides: the
 * provider's (gpu-runner.ts) and the coordinator's check (gpu-challenge.ts). Each row is seeded on
 * its own, so the coordinator generates only the rows of A it checks.
 */
export const GPU_MODULUS = 251;

export const GPU_WORK_SOURCE = `
const { createHash } = require('node:crypto');

// A ChaCha quarter-round stream seeded by sha256(seed:lane:what:row): 'count' 32-bit words.
function words(seedHex, lane, what, row, count) {
  const start = createHash('sha256').update(seedHex + ':' + lane + ':' + what + ':' + row).digest();
  let a = start.readUInt32LE(0), b = start.readUInt32LE(4), c = start.readUInt32LE(8), d = start.readUInt32LE(12);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + b) | 0; d ^= a; d = (d << 16) | (d >>> 16);
    c = (c + d) | 0; b ^= c; b = (b << 12) | (b >>> 20);
    a = (a + b) | 0; d ^= a; d = (d << 8) | (d >>> 24);
    c = (c + d) | 0; b ^= c; b = (b << 7) | (b >>> 25);
    out[i] = a ^ c;
  }
  return out;
}

// Row 'row' of A (n entries in [-8, 7]) into 'out' at 'offset'. Two entries a word, as for B,
// so that generating A costs what generating B does.
function rowOfA(seedHex, lane, n, row, out, offset) {
  const w = words(seedHex, lane, 'A', row, n >>> 1);
  for (let i = 0; i < w.length; i++) {
    out[offset + 2 * i] = ((w[i] & 0xffff) % 16) - 8;
    out[offset + 2 * i + 1] = ((w[i] >>> 16) % 16) - 8;
  }
}

// Row 'row' of B (n entries in [0, p)) into 'out' at 'offset'.
function rowOfB(seedHex, lane, n, p, row, out, offset) {
  const w = words(seedHex, lane, 'B', row, n >>> 1);
  for (let i = 0; i < w.length; i++) {
    out[offset + 2 * i] = (w[i] & 0xffff) % p;
    out[offset + 2 * i + 1] = (w[i] >>> 16) % p;
  }
}

// The K tables, [K, p] row-major, entries in [0, p).
function tables(seedHex, lane, k, p) {
  const out = new Float32Array(k * p);
  for (let j = 0; j < k; j++) {
    const w = words(seedHex, lane, 'T', j, p);
    for (let i = 0; i < p; i++) out[j * p + i] = w[i] % p;
  }
  return out;
}

// The row weights, entries in [1, 4].
function weights(seedHex, lane, n) {
  const w = words(seedHex, lane, 'W', 0, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (w[i] & 3) + 1;
  return out;
}

// Row i's digest: FNV-1a over its K numbers (integers, as int32).
function fold(perProduct, k, n, i) {
  let h = 0x811c9dc5;
  for (let j = 0; j < k; j++) h = Math.imul(h ^ (perProduct[j][i] | 0), 16777619);
  return h >>> 0;
}
`;

/** The ONNX graph of one lane's K products (n is a free dimension; K and p are fixed in it). */
export function gpuChallengeModel(products: number, modulus: number = GPU_MODULUS): Uint8Array {
  const nodes: NodeSpec[] = [];
  const outputs = [];
  for (let j = 0; j < products; j++) {
    nodes.push(
      { op: 'Gather', inputs: ['T', `j${j}`], outputs: [`T${j}`], attributes: { axis: 0 } },
      { op: 'Gather', inputs: [`T${j}`, 'B'], outputs: [`F${j}`], attributes: { axis: 0 } },
      { op: 'MatMul', inputs: ['A', `F${j}`], outputs: [`C${j}`] },
      { op: 'Mod', inputs: [`C${j}`, 'p'], outputs: [`M${j}`], attributes: { fmod: 1 } },
      { op: 'Mul', inputs: [`M${j}`, 'W'], outputs: [`MW${j}`] },
      { op: 'ReduceSum', inputs: [`MW${j}`, 'columns'], outputs: [`r${j}`], attributes: { keepdims: 0 } },
    );
    outputs.push({ name: `r${j}`, type: 'float32' as const, dims: ['n'] });
  }
  return encodeModel({
    name: 'idlegrid-gpu-challenge',
    inputs: [
      { name: 'A', type: 'float32', dims: ['n', 'n'] },
      { name: 'B', type: 'int32', dims: ['n', 'n'] },
      { name: 'T', type: 'float32', dims: [products, modulus] },
      { name: 'W', type: 'float32', dims: ['n'] },
    ],
    outputs,
    initializers: [
      { name: 'p', type: 'float32', dims: [], data: [modulus] },
      { name: 'columns', type: 'int64', dims: [1], data: [1] },
      ...Array.from({ length: products }, (_, j) => ({
        name: `j${j}`,
        type: 'int64' as const,
        dims: [],
        data: [j],
      })),
    ],
    nodes,
  });
}
