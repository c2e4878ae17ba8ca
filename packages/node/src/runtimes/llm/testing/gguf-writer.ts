/**
 * Minimal GGUF v3 writer (little endian), enough to build synthetic test models.
 * Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */

export type GgufValue =
  | { readonly type: 'uint32' | 'int32' | 'float32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'string[]'; readonly value: readonly string[] }
  | { readonly type: 'uint32[]' | 'int32[]' | 'float32[]'; readonly value: ArrayLike<number> };

export interface GgufTensor {
  readonly name: string;
  /** F16 tensors are converted from the float32 data on write. */
  readonly type: 'f32' | 'f16';
  /** ggml order: dims[0] (ne0) is the contiguous, fastest-varying dimension. */
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface GgufFile {
  /** Written in insertion order; `general.alignment` is added when absent. */
  readonly metadata: Readonly<Record<string, GgufValue>>;
  readonly tensors: readonly GgufTensor[];
}

export const GGUF_ALIGNMENT = 32;

// gguf_type and ggml_type ids from gguf.h / ggml.h.
const utf8 = new TextEncoder();

const VALUE_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
const TENSOR_TYPE = { f32: 0, f16: 1 } as const;

/** Growable little-endian byte buffer. Reserve before touching `view`/`buf`: growing replaces them. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  i32(v: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  u64(v: number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  string(s: string): void {
    const b = utf8.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Serializes a GGUF v3 file into memory. */
export function writeGguf(file: GgufFile): Uint8Array {
  const metadata: Record<string, GgufValue> = { ...file.metadata };
  metadata['general.alignment'] ??= { type: 'uint32', value: GGUF_ALIGNMENT };
  const alignment = metadata['general.alignment'].value;
  if (typeof alignment !== 'number' || alignment <= 0 || alignment % 8 !== 0) {
    throw new Error('general.alignment must be a positive multiple of 8');
  }

  const w = new ByteWriter();
  w.bytes(utf8.encode('GGUF'));
  w.u32(3);
  w.u64(file.tensors.length);
  w.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    w.string(key);
    writeValue(w, value);
  }

  // Tensor infos carry offsets relative to the (aligned) start of the data section.
  let offset = 0;
  const offsets = file.tensors.map((t) => {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`tensor ${t.name}: dims hold ${count} values, data ${t.data.length}`);
    const at = offset;
    offset = alignUp(at + count * (t.type === 'f16' ? 2 : 4), alignment);
    return at;
  });
  file.tensors.forEach((t, i) => {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(TENSOR_TYPE[t.type]);
    w.u64(offsets[i]!);
  });

  w.padTo(alignment);
  for (const t of file.tensors) {
    if (t.type === 'f16') for (const v of t.data) w.u16(float32ToFloat16Bits(v));
    else for (const v of t.data) w.f32(v);
    w.padTo(alignment);
  }
  return w.result();
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  switch (v.type) {
    case 'uint32':
    case 'int32':
    case 'float32':
      w.u32(VALUE_TYPE[v.type]);
      writeNumber(w, v.type, v.value);
      return;
    case 'bool':
      w.u32(VALUE_TYPE.bool);
      w.u8(v.value ? 1 : 0);
      return;
    case 'string':
      w.u32(VALUE_TYPE.string);
      w.string(v.value);
      return;
    case 'string[]':
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE.string);
      w.u64(v.value.length);
      for (const s of v.value) w.string(s);
      return;
    case 'uint32[]':
    case 'int32[]':
    case 'float32[]': {
      const elem = v.type.slice(0, -2) as 'uint32' | 'int32' | 'float32';
      w.u32(VALUE_TYPE.array);
      w.u32(VALUE_TYPE[elem]);
      w.u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) writeNumber(w, elem, v.value[i]!);
      return;
    }
  }
}

function writeNumber(w: ByteWriter, type: 'uint32' | 'int32' | 'float32', n: number): void {
  if (type === 'float32') w.f32(n);
  else if (type === 'int32') w.i32(n);
  else w.u32(n);
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

const f32Scratch = new DataView(new ArrayBuffer(4));

/** IEEE 754 binary16 bits of a float32, round to nearest even (Node 20 has no Float16Array). */
export function float32ToFloat16Bits(value: number): number {
  f32Scratch.setFloat32(0, value);
  const x = f32Scratch.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    // Subnormal: shift the mantissa (with its implicit 1) into place, rounding to nearest even.
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++; // a carry into the exponent is still correct
  return sign | r;
}
