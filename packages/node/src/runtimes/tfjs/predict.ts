import type { DataType, GraphModel, LayersModel, NamedTensorMap, Tensor } from '@tensorflow/tfjs';
import type { InputTensor, OutputTensor, PredictAnswer, PredictRequest } from './api.js';
import type { Deadline } from './deadline.js';
import { messageOf, requestInvalid, runFailed } from './errors.js';
import type { LoadedModel } from './model-bundle.js';
import { type ModelSignature, orderedInputs, valuesOf } from './tensors.js';
import type { TfjsModule } from './tfjs-loader.js';

/** Input elements a layers model predicts on at once: the deadline and signal are checked between batches. */
export const PREDICT_BATCH_ELEMENTS = 1 << 16;

/** Runs the model on the request's inputs; every tensor made is disposed, whatever happens. */
export async function predict(
  tf: TfjsModule,
  loaded: LoadedModel,
  signature: ModelSignature,
  request: PredictRequest,
  deadline: Deadline,
): Promise<PredictAnswer> {
  const inputs = orderedInputs(request.inputs, signature.inputs);
  const dtypes = signature.inputs.map((info) => info.dtype as DataType);
  const names = signature.outputs.map((info) => info.name);
  deadline.check();
  const outputs =
    loaded.format === 'layers-model'
      ? await predictLayers(tf, loaded.model, inputs, dtypes, names, deadline)
      : await predictGraph(tf, loaded.model, inputs, dtypes, signature, deadline);
  deadline.check();
  return { kind: 'predict', outputs };
}

/**
 * A layers model, in batches of rows (every input and output of a layers model has the batch
 * first): each batch inside `tf.tidy`, its outputs read and disposed before the next.
 */
async function predictLayers(
  tf: TfjsModule,
  model: LayersModel,
  inputs: readonly InputTensor[],
  dtypes: readonly DataType[],
  names: readonly string[],
  deadline: Deadline,
): Promise<OutputTensor[]> {
  const rows = inputs[0]!.dims[0]!;
  const disagree = inputs.findIndex((input) => input.dims[0] !== rows);
  if (disagree >= 0) {
    throw requestInvalid(`the inputs disagree on the batch: ${rows} rows, then ${inputs[disagree]!.dims[0]}`);
  }
  const rowSizes = inputs.map((input) => input.data.length / rows);
  const step = Math.max(1, Math.floor(PREDICT_BATCH_ELEMENTS / rowSizes.reduce((a, b) => a + b, 0)));
  const parts: { dims: number[]; data: (number | null)[] }[][] = [];
  for (let start = 0; start < rows; start += step) {
    if (start > 0) await deadline.yield();
    const end = Math.min(rows, start + step);
    const outputs = guarded(() =>
      tf.tidy(() => {
        const xs = inputs.map((input, i) =>
          tf.tensor(
            input.data.slice(start * rowSizes[i]!, end * rowSizes[i]!),
            [end - start, ...input.dims.slice(1)],
            dtypes[i],
          ),
        );
        const ys = model.predict(xs.length === 1 ? xs[0]! : xs, { batchSize: end - start });
        return Array.isArray(ys) ? ys : [ys];
      }),
    );
    try {
      parts.push(outputs.map((y, i) => ({ dims: y.shape, data: valuesOf(y, names[i]!) })));
    } finally {
      tf.dispose(outputs);
    }
  }
  return names.map((name, i) => {
    const pieces = parts.map((part) => part[i]!);
    return { name, dims: [rows, ...pieces[0]!.dims.slice(1)], data: pieces.flatMap((piece) => piece.data) };
  });
}

/** A graph model, at once: `execute` inside `tf.tidy`, or `executeAsync` for graphs with control flow. */
async function predictGraph(
  tf: TfjsModule,
  model: GraphModel,
  inputs: readonly InputTensor[],
  dtypes: readonly DataType[],
  signature: ModelSignature,
  deadline: Deadline,
): Promise<OutputTensor[]> {
  const names = signature.outputs.map((info) => info.name);
  const feeds = (): NamedTensorMap =>
    Object.fromEntries(
      signature.inputs.map((info, i) => [info.name, tf.tensor(inputs[i]!.data, inputs[i]!.dims, dtypes[i])]),
    );
  let outputs: Tensor[];
  try {
    outputs = tf.tidy(() => {
      const ys = model.execute(feeds());
      return Array.isArray(ys) ? ys : [ys];
    });
  } catch (error) {
    if (!/executeAsync/.test(messageOf(error)))
      throw runFailed(`the model failed: ${messageOf(error)}`, { cause: error });
    deadline.check();
    const fed = feeds();
    try {
      const ys = await model.executeAsync(fed);
      outputs = Array.isArray(ys) ? ys : [ys];
    } catch (cause) {
      throw runFailed(`the model failed: ${messageOf(cause)}`, { cause });
    } finally {
      tf.dispose(Object.values(fed));
    }
  }
  try {
    return outputs.map((y, i) => ({
      name: names[i] ?? `output${i}`,
      dims: y.shape,
      data: valuesOf(y, names[i] ?? ''),
    }));
  } finally {
    tf.dispose(outputs);
  }
}

/** Runs TF.js code, its errors as TFJS_RUN_FAILED. */
function guarded<T>(compute: () => T): T {
  try {
    return compute();
  } catch (cause) {
    throw runFailed(`the model failed: ${messageOf(cause)}`, { cause });
  }
}
