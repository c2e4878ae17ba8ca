/**
 * ONNX models written in code, hand-encoded as protobuf: deterministic bytes, no Python, no
 * download. Proof of hardware builds its GPU challenge's graph with it; tests build tiny models.
 * Schema: https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (field numbers below are from it).
 */

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
    .string(2, 'idlegrid') // producer_name
    .message(7, g) // graph
    .message(8, new Message().string(1, '').int(2, graph.opset ?? 13)) // opset_import (default domain)
    .encode();
}
