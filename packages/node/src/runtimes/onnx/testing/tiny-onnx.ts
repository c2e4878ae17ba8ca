/**
 * Tiny ONNX models for tests, hand-encoded as protobuf: deterministic bytes, no Python, no download.
 * Schema: https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (field numbers below are from it).
 */
import { writeFile } from 'node:fs/promises';

// ---------------------------------------------------------------- protobuf wire format

const utf8 = new TextEncoder();

/**
 * A protobuf message being written: each method appends one field (tag, then value). Only what ONNX
 * needs: varints (int32/int64/enum), length-delimited (string, bytes, sub-message) and packed int64.
 */
class Message {
  readonly #bytes: number[] = [];

  #varint(value: bigint | number): void {
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#bytes.push(Number(v));
  }

  #tag(field: number, wireType: 0 | 2): void {
    this.#varint((field << 3) | wireType);
  }

  int(field: number, value: bigint | number): this {
    this.#tag(field, 0);
    this.#varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(value.length);
    for (const byte of value) this.#bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  packedInts(field: number, values: readonly (bigint | number)[]): this {
    const packed = new Message();
    for (const value of values) packed.#varint(value);
    return this.bytes(field, packed.encode());
  }

  encode(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

// ---------------------------------------------------------------- ONNX messages

/** TensorProto.DataType values. */
export const ONNX_TYPE = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9 } as const;
export type OnnxElementType = keyof typeof ONNX_TYPE;

/** A dimension: a fixed size, or a name (`dim_param`) for a size given at run time. */
export type Dim = number | string;

export interface Initializer {
  name: string;
  type: 'float32' | 'int64';
  dims: readonly number[];
  data: readonly number[];
  /** Stored outside the model, in this file (ONNX external data); `data` is then ignored. */
  externalLocation?: string;
}

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Integer (`axis`) and integer-list (`axes`) attributes: all the test models need. */
  attributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface ValueSpec {
  name: string;
  type: OnnxElementType;
  dims: readonly Dim[];
}

export interface GraphSpec {
  name: string;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  initializers?: readonly Initializer[];
  nodes: readonly NodeSpec[];
  /** Default opset 13 (ReduceMean still takes `axes` as an attribute there). */
  opset?: number;
}

// AttributeProto.AttributeType values.
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

function tensorProto(init: Initializer): Message {
  if (init.externalLocation !== undefined) {
    const entry = (key: string, value: string) => new Message().string(1, key).string(2, value);
    const size = init.dims.reduce((a, b) => a * b, 1) * (init.type === 'float32' ? 4 : 8);
    return new Message()
      .packedInts(1, init.dims)
      .int(2, ONNX_TYPE[init.type])
      .string(8, init.name)
      .message(13, entry('location', init.externalLocation)) // external_data
      .message(13, entry('offset', '0'))
      .message(13, entry('length', String(size)))
      .int(14, 1); // data_location = EXTERNAL
  }
  const raw = new Uint8Array(init.data.length * (init.type === 'float32' ? 4 : 8));
  const view = new DataView(raw.buffer);
  init.data.forEach((value, i) => {
    if (init.type === 'float32') view.setFloat32(i * 4, value, true);
    else view.setBigInt64(i * 8, BigInt(value), true);
  });
  return new Message()
    .packedInts(1, init.dims) // dims
    .int(2, ONNX_TYPE[init.type]) // data_type
    .string(8, init.name) // name
    .bytes(9, raw); // raw_data, little endian
}

function valueInfo(value: ValueSpec): Message {
  const shape = new Message();
  for (const dim of value.dims) {
    // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
    const d = typeof dim === 'number' ? new Message().int(1, dim) : new Message().string(2, dim);
    shape.message(1, d);
  }
  const tensorType = new Message().int(1, ONNX_TYPE[value.type]).message(2, shape);
  return new Message()
    .string(1, value.name) // name
    .message(2, new Message().message(1, tensorType)); // type.tensor_type
}

function nodeProto(node: NodeSpec, index: number): Message {
  const message = new Message();
  for (const input of node.inputs) message.string(1, input);
  for (const output of node.outputs) message.string(2, output);
  message.string(3, `${node.op.toLowerCase()}_${index}`).string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    const attribute = new Message().string(1, name);
    if (typeof value === 'number') attribute.int(3, value).int(20, ATTRIBUTE_INT);
    else attribute.packedInts(8, value).int(20, ATTRIBUTE_INTS);
    message.message(5, attribute);
  }
  return message;
}

/** The bytes of an ONNX ModelProto (IR version 8) holding one graph. */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const g = new Message();
  graph.nodes.forEach((node, i) => {
    g.message(1, nodeProto(node, i));
  });
  g.string(2, graph.name);
  for (const init of graph.initializers ?? []) g.message(5, tensorProto(init));
  for (const input of graph.inputs) g.message(11, valueInfo(input));
  for (const output of graph.outputs) g.message(12, valueInfo(output));
  return new Message()
    .int(1, 8) // ir_version
    .string(2, 'idlegrid-tiny-onnx') // producer_name
    .message(7, g) // graph
    .message(8, new Message().string(1, '').int(2, graph.opset ?? 13)) // opset_import (default domain)
    .encode();
}

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
