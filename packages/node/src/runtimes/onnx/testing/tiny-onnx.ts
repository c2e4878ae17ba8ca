/** Tiny ONNX models for tests (see onnx-model-writer.ts). */
import { writeFile } from 'node:fs/promises';
import { encodeModel } from '../onnx-model-writer.js';

// ---------------------------------------------------------------- the test models

/** `dense`: Y = Relu(X · W + B), X float32 [batch, 3], Y float32 [batch, 2]. */
export const DENSE_W = [
  [1, -1],
  [0.5, 2],
  [-2, 0.25],
] as const;
export const DENSE_B = [0.5, -1] as const;

export function denseModel(): Uint8Array {
  return encodeModel({
    name: 'dense',
    inputs: [{ name: 'X', type: 'float32', dims: ['batch', 3] }],
    outputs: [{ name: 'Y', type: 'float32', dims: ['batch', 2] }],
    initializers: [
      { name: 'W', type: 'float32', dims: [3, 2], data: DENSE_W.flat() },
      { name: 'B', type: 'float32', dims: [2], data: [...DENSE_B] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['X', 'W'], outputs: ['XW'] },
      { op: 'Add', inputs: ['XW', 'B'], outputs: ['Z'] },
      { op: 'Relu', inputs: ['Z'], outputs: ['Y'] },
    ],
  });
}

/** What `dense` computes, in float64 (the test compares with a float32 tolerance). */
export function denseReference(x: readonly (readonly number[])[]): number[][] {
  return x.map((row) =>
    DENSE_B.map((bias, j) =>
      Math.max(
        0,
        row.reduce((sum, xi, i) => sum + xi * DENSE_W[i]![j]!, bias),
      ),
    ),
  );
}

/** `embed`: a token-embedding model, ids int64 [batch, seq] → mean of their rows of E, [batch, 4]. */
export const EMBED_VOCAB = 8;
export const EMBED_DIM = 4;
/** Row t of the table is [t, t/2, -t, t·t/8]: exact in float32, so means are exactly predictable. */
export const embeddingRow = (t: number): number[] => [t, t / 2, -t, (t * t) / 8];

export function embedModel(): Uint8Array {
  const table = Array.from({ length: EMBED_VOCAB }, (_, t) => embeddingRow(t)).flat();
  return encodeModel({
    name: 'embed',
    inputs: [{ name: 'ids', type: 'int64', dims: ['batch', 'seq'] }],
    outputs: [{ name: 'embedding', type: 'float32', dims: ['batch', EMBED_DIM] }],
    initializers: [{ name: 'E', type: 'float32', dims: [EMBED_VOCAB, EMBED_DIM], data: table }],
    nodes: [
      { op: 'Gather', inputs: ['E', 'ids'], outputs: ['rows'], attributes: { axis: 0 } },
      { op: 'ReduceMean', inputs: ['rows'], outputs: ['embedding'], attributes: { axes: [1], keepdims: 0 } },
    ],
  });
}

/**
 * `types`: one input and output of each other element type, fixed shape [4]:
 * doubled = a + a (int32), flipped = Not(flag) (bool), same = Identity(pixels) (uint8),
 * count = ReduceSum over the int64 input `n`, keepdims (int64 [1]).
 */
export function typesModel(): Uint8Array {
  return encodeModel({
    name: 'types',
    inputs: [
      { name: 'a', type: 'int32', dims: [4] },
      { name: 'flag', type: 'bool', dims: [4] },
      { name: 'pixels', type: 'uint8', dims: [4] },
      { name: 'n', type: 'int64', dims: [4] },
    ],
    outputs: [
      { name: 'doubled', type: 'int32', dims: [4] },
      { name: 'flipped', type: 'bool', dims: [4] },
      { name: 'same', type: 'uint8', dims: [4] },
      { name: 'count', type: 'int64', dims: [1] },
    ],
    nodes: [
      { op: 'Add', inputs: ['a', 'a'], outputs: ['doubled'] },
      { op: 'Not', inputs: ['flag'], outputs: ['flipped'] },
      { op: 'Identity', inputs: ['pixels'], outputs: ['same'] },
      { op: 'ReduceSum', inputs: ['n'], outputs: ['count'], attributes: { keepdims: 1 } },
    ],
  });
}

/**
 * `slow`: y = ReduceSum(M · M) for M = x broadcast to [n, n]: about 2n³ floating-point operations
 * from a one-number input, to have a run that takes a while. For x = 1, y = n³.
 */
export function slowModel(n: number): Uint8Array {
  return encodeModel({
    name: 'slow',
    inputs: [{ name: 'x', type: 'float32', dims: [1] }],
    outputs: [{ name: 'y', type: 'float32', dims: [] }],
    initializers: [{ name: 'shape', type: 'int64', dims: [2], data: [n, n] }],
    nodes: [
      { op: 'Expand', inputs: ['x', 'shape'], outputs: ['M'] },
      { op: 'MatMul', inputs: ['M', 'M'], outputs: ['P'] },
      { op: 'ReduceSum', inputs: ['P'], outputs: ['y'], attributes: { keepdims: 0 } },
    ],
  });
}

/** `leak`: outputs an 8-float initializer kept as external data at `location`, for path-escape tests. */
export function externalDataModel(location: string): Uint8Array {
  return encodeModel({
    name: 'leak',
    inputs: [],
    outputs: [{ name: 'Y', type: 'float32', dims: [2] }],
    initializers: [{ name: 'W', type: 'float32', dims: [2], data: [], externalLocation: location }],
    nodes: [{ op: 'Identity', inputs: ['W'], outputs: ['Y'] }],
  });
}

export const writeDenseModel = (path: string) => writeFile(path, denseModel());
export const writeEmbedModel = (path: string) => writeFile(path, embedModel());
export const writeTypesModel = (path: string) => writeFile(path, typesModel());
