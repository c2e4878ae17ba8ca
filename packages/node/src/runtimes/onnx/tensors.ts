import type { InputTensor, OutputTensor, OutputType, TensorsRequest } from './api.js';
import { outputUnsupported, requestInvalid } from './errors.js';
import type { RawTensor, ValueInfo } from './session-worker.js';

/** A request's inputs as onnxruntime tensors, checked against the model's inputs, and the outputs to fetch. */
export function feedsFor(
  request: TensorsRequest,
  model: { inputs: readonly ValueInfo[]; outputs: readonly ValueInfo[] },
): { feeds: Record<string, RawTensor>; fetches: string[] | undefined } {
  const known = new Map(model.inputs.map((input) => [input.name, input]));
  const names = model.inputs.map((input) => input.name);
  for (const name of Object.keys(request.inputs)) {
    if (!known.has(name)) {
      throw requestInvalid(`the model has no input "${name}"; its inputs are ${list(names)}`, {
        details: { input: name, inputs: names },
      });
    }
  }
  const feeds: Record<string, RawTensor> = {};
  for (const info of model.inputs) {
    const tensor = request.inputs[info.name];
    if (!tensor) {
      throw requestInvalid(`the request lacks the model's input "${info.name}"`, {
        details: { input: info.name, inputs: names },
      });
    }
    check(info, tensor);
    feeds[info.name] = { type: tensor.type, dims: tensor.dims, data: typed(tensor) };
  }
  if (!request.outputs) return { feeds, fetches: undefined };
  const outputNames = model.outputs.map((output) => output.name);
  for (const name of request.outputs) {
    if (!outputNames.includes(name)) {
      throw requestInvalid(`the model has no output "${name}"; its outputs are ${list(outputNames)}`, {
        details: { output: name, outputs: outputNames },
      });
    }
  }
  return { feeds, fetches: request.outputs };
}

function check(info: ValueInfo, tensor: InputTensor): void {
  if (!info.isTensor || info.type === undefined || info.shape === undefined) {
    throw requestInvalid(`the model's input "${info.name}" is not a tensor, which onnx jobs cannot feed`, {
      details: { input: info.name },
    });
  }
  if (info.type !== tensor.type) {
    throw requestInvalid(
      `input "${info.name}" is ${info.type} in the model, the request gives ${tensor.type}`,
      {
        details: { input: info.name, expected: info.type, got: tensor.type },
      },
    );
  }
  const shape = info.shape;
  const fits =
    shape.length === tensor.dims.length &&
    shape.every((dim, i) => typeof dim === 'string' || dim < 0 || dim === tensor.dims[i]);
  if (!fits) {
    throw requestInvalid(
      `input "${info.name}" has dims ${JSON.stringify(tensor.dims)}, the model takes ${shapeText(shape)}`,
      { details: { input: info.name, expected: shape, got: tensor.dims } },
    );
  }
}

function typed(tensor: InputTensor): RawTensor['data'] {
  switch (tensor.type) {
    case 'float32':
      return Float32Array.from(tensor.data);
    case 'int64':
      return BigInt64Array.from(tensor.data, (value) => BigInt(value));
    case 'int32':
      return Int32Array.from(tensor.data);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(tensor.data);
  }
}

const NUMERIC = new Set<string>([
  'float16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'uint8',
  'uint16',
  'uint32',
]);

/** The model's outputs as JSON tensors. */
export function outputsOf(raw: Record<string, RawTensor>): Record<string, OutputTensor> {
  const outputs: Record<string, OutputTensor> = {};
  for (const [name, tensor] of Object.entries(raw)) {
    outputs[name] = { type: tensor.type as OutputType, dims: [...tensor.dims], data: valuesOf(name, tensor) };
  }
  return outputs;
}

function valuesOf(name: string, { type, data }: RawTensor): (number | null)[] {
  if (Array.isArray(data) || !ArrayBuffer.isView(data)) {
    throw outputUnsupported(`output "${name}" is a ${type} tensor, which an onnx answer cannot hold`, {
      details: { output: name, type },
    });
  }
  if (type === 'bool') return Array.from(data as Uint8Array, (value) => (value ? 1 : 0));
  if (type === 'int64' || type === 'uint64') {
    const values = data as BigInt64Array | BigUint64Array;
    return Array.from(values, (value) => {
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw outputUnsupported(
          `output "${name}" holds ${value}, beyond the integers a JSON number holds exactly (2^53)`,
          { details: { output: name, value: String(value) } },
        );
      }
      return Number(value);
    });
  }
  // Where Float16Array exists onnxruntime may hand float16 over as one; Node 20 gets the raw bits.
  if (type === 'float16' && data instanceof Uint16Array) {
    return Array.from(data, (bits) => finite(halfToNumber(bits)));
  }
  if (NUMERIC.has(type)) return Array.from(data as Float32Array, finite);
  throw outputUnsupported(`output "${name}" is a ${type} tensor, which an onnx answer cannot hold`, {
    details: { output: name, type },
  });
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** An IEEE 754 half-precision value from its bits (onnxruntime-node gives float16 as Uint16Array). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function shapeText(shape: readonly (number | string)[]): string {
  return `[${shape.map((dim) => (typeof dim === 'string' ? dim || '?' : dim < 0 ? '?' : dim)).join(', ')}]`;
}

function list(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(', ') || 'none';
}
