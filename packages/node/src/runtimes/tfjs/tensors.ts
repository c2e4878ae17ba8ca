import type { DataType, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import type { InputTensor } from './api.js';
import { requestInvalid, runFailed } from './errors.js';
import type { LoadedModel } from './model-bundle.js';

/** A model's input or output: its name, its shape (null: any size; null shape: unknown) and element type. */
export interface TensorInfo {
  name: string;
  shape: (number | null)[] | null;
  dtype: string;
}

export interface ModelSignature {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** The inputs and outputs of a loaded model, in the order the model takes and gives them. */
export function signatureOf(loaded: LoadedModel): ModelSignature {
  if (loaded.format === 'layers-model') {
    const { model } = loaded;
    return { inputs: layerTensors(model.inputs), outputs: layerTensors(model.outputs) };
  }
  const graphInfo = (info: { name: string; shape?: number[]; dtype: string }): TensorInfo => ({
    name: info.name,
    shape: info.shape ? info.shape.map((dim) => (dim < 0 ? null : dim)) : null,
    dtype: info.dtype,
  });
  return { inputs: loaded.model.inputs.map(graphInfo), outputs: loaded.model.outputs.map(graphInfo) };
}

/**
 * A layers model's inputs or outputs, named after the layers they come from: layer names are
 * saved in the bundle, while TF.js's own tensor names (and a Sequential's `inputNames`, empty
 * until built) depend on how many models the process has built. A layer of several outputs gives
 * `name:index`.
 */
function layerTensors(tensors: readonly SymbolicTensor[]): TensorInfo[] {
  const names = tensors.map((t) => t.sourceLayer.name);
  return tensors.map((t, i) => ({
    name:
      names.indexOf(names[i]!) === names.lastIndexOf(names[i]!)
        ? names[i]!
        : `${names[i]}:${t.outputTensorIndex ?? i}`,
    shape: [...t.shape],
    dtype: t.dtype,
  }));
}

/** The request's tensors in the model's input order, each checked against its input. */
export function orderedInputs(
  inputs: InputTensor | Record<string, InputTensor>,
  expected: readonly TensorInfo[],
): InputTensor[] {
  let ordered: InputTensor[];
  if (isTensor(inputs)) {
    if (expected.length !== 1) {
      throw requestInvalid(
        `the model takes ${expected.length} inputs: give them by name (${names(expected)})`,
      );
    }
    ordered = [inputs];
  } else {
    const unknown = Object.keys(inputs).filter((name) => !expected.some((info) => info.name === name));
    if (unknown.length > 0) {
      throw requestInvalid(`the model has no input ${unknown.map((n) => JSON.stringify(n)).join(', ')}`, {
        details: { unknown, inputs: expected.map((info) => info.name) },
      });
    }
    const missing = expected.filter((info) => !Object.hasOwn(inputs, info.name)).map((info) => info.name);
    if (missing.length > 0) {
      throw requestInvalid(
        `the request lacks the model's input ${missing.map((n) => JSON.stringify(n)).join(', ')}`,
        {
          details: { missing },
        },
      );
    }
    ordered = expected.map((info) => inputs[info.name]!);
  }
  for (const [i, tensor] of ordered.entries()) checkTensor(tensor, expected[i]!, 'input');
  return ordered;
}

/** Checks a tensor against a model's input or output: rank, fixed dimensions, element type. */
export function checkTensor(tensor: InputTensor, info: TensorInfo, what: string): void {
  const label = `${what} ${JSON.stringify(info.name)}`;
  if (tensor.data.length === 0) throw requestInvalid(`${label} holds no elements`);
  if (info.shape) {
    const wanted = JSON.stringify(info.shape).replaceAll('null', '?');
    if (tensor.dims.length !== info.shape.length) {
      throw requestInvalid(`${label} has dims ${JSON.stringify(tensor.dims)}; the model wants ${wanted}`, {
        details: { name: info.name, dims: tensor.dims, shape: info.shape },
      });
    }
    const bad = info.shape.findIndex((dim, axis) => dim !== null && dim !== tensor.dims[axis]);
    if (bad >= 0) {
      throw requestInvalid(
        `${label} has ${tensor.dims[bad]} in dimension ${bad}; the model wants ${wanted}`,
        { details: { name: info.name, dims: tensor.dims, shape: info.shape } },
      );
    }
  }
  const range = INTEGER_RANGES[info.dtype];
  if (range) {
    const [min, max] = range;
    const bad = tensor.data.findIndex((value) => !Number.isInteger(value) || value < min || value > max);
    if (bad >= 0) {
      throw requestInvalid(
        `${label} element ${bad} (${tensor.data[bad]}) is not ${info.dtype} (integers ${min}..${max})`,
      );
    }
  } else if (info.dtype !== 'float32') {
    throw requestInvalid(`${label} is of type ${info.dtype}, which a JSON request cannot give`);
  }
}

const INTEGER_RANGES: Partial<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  bool: [0, 1],
};

/** A tensor's values as JSON numbers (non-finite ones as null); only numeric tensors. */
export function valuesOf(tensor: Tensor, name: string): (number | null)[] {
  if (!NUMERIC.has(tensor.dtype))
    throw runFailed(`output ${JSON.stringify(name)} is of type ${tensor.dtype}, which JSON cannot hold`);
  return jsonValues(tensor.dataSync() as Float32Array | Int32Array | Uint8Array);
}

export function jsonValues(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    out[i] = Number.isFinite(value) ? value : null;
  }
  return out;
}

const NUMERIC: ReadonlySet<DataType> = new Set<DataType>(['float32', 'int32', 'bool']);

function isTensor(value: InputTensor | Record<string, InputTensor>): value is InputTensor {
  return Array.isArray((value as InputTensor).dims) && Array.isArray((value as InputTensor).data);
}

function names(infos: readonly TensorInfo[]): string {
  return infos.map((info) => info.name).join(', ');
}
