import { randomInt } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LayersModel, NamedTensorMap, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { TfjsModule } from '../../runtimes/tfjs/tfjs-loader.js';
import { gaussianNoise, type UniformSource } from '../privacy/gaussian-noise.js';
import { seededRandom } from '../seeded-random.js';
import { add, checkSameLength, subtract, type Update } from '../vector-math.js';
import { denseClippedGradientSum, denseStack } from './dense-dp-sgd.js';

/**
 * A provider's share of a federated round: train the global model on the provider's own examples
 * for a few epochs and answer the change of its weights (the update the strategies aggregate).
 *
 * The loop is hand-written (`tf.variableGrads` + `optimizer.applyGradients`) rather than
 * `model.fit`, because FedProx and DP-SGD change the gradient itself. The optimizer is plain SGD
 * with no momentum: it keeps no state across rounds, and with it FedAvg of the deltas equals
 * large-batch SGD in the one-step limit, the setting the FL analyses assume.
 *
 * - FedProx (Li et al. 2020): the loss gains (μ/2)·‖w − w_global‖², w_global the weights at the start
 *   of the round; its gradient μ·(w − w_global) is added to every step's gradient exactly (computed
 *   in closed form rather than by autodiff, which is the same thing).
 * - DP-SGD (Abadi et al. 2016): each example's gradient (over all trainable variables jointly) is
 *   clipped to L2 norm C, the batch's clipped gradients are summed, N(0, (zC)²) is added to each
 *   coordinate and the sum is divided by the NOMINAL batch size (a fixed denominator, as Opacus
 *   does with Poisson sampling; the last, shorter batch of an epoch takes a shorter step). The
 *   FedProx gradient, which reads no example, is added after the noise (post-processing).
 *   Feed the accountant `{ sampleRate, noiseMultiplier, steps }` from the result. Batches are a
 *   seeded shuffle, not Poisson samples: the usual approximation (as in TF Privacy's tutorials).
 *   The reported `losses` are NOT private: keep them on the provider under DP.
 */

export type LocalLoss = 'categoricalCrossentropy' | 'meanSquaredError';

export interface LocalData {
  /** Inputs, one example per row of the first axis. */
  x: Tensor;
  /** Targets (one-hot for categorical crossentropy), one row per example. */
  y: Tensor;
}

export interface DpSgdOptions {
  /** C: each example's gradient is clipped to this L2 norm (all trainable variables together). */
  l2NormClip: number;
  /** z: the noise on the sum of a batch's clipped gradients has std z·C. */
  noiseMultiplier: number;
  /** Uniform [0, 1) numbers for the noise instead of the CSPRNG: for tests only. */
  random?: UniformSource;
}

export interface LocalTrainingOptions {
  epochs: number;
  /** Stop after this many optimizer steps instead (epochs go on as long as needed). */
  maxSteps?: number;
  batchSize: number;
  learningRate: number;
  loss: LocalLoss;
  /** FedProx's μ (default 0: FedAvg). */
  proximalMu?: number;
  /** Train with DP-SGD. Models with BatchNormalization are refused (it mixes the examples of a batch). */
  dp?: DpSgdOptions;
  /** Seeds the shuffle of each epoch (default: a random seed). Not the DP noise, which stays random. */
  seed?: number;
  /** Stops training between batches; the model's starting weights are restored. */
  signal?: AbortSignal;
}

export interface LocalTrainingResult {
  /** Trained weights − starting weights, flattened in `model.getWeights()` order. */
  delta: Float32Array;
  /** How many examples the data holds. */
  examples: number;
  /** Mean loss of each epoch, over its batches as they were trained (without the FedProx term). */
  losses: number[];
  /** Optimizer steps taken: `maxSteps`, or epochs · ⌈examples / batchSize⌉. */
  steps: number;
  /** batchSize / examples (at most 1): q for the privacy accountant. */
  sampleRate: number;
}

/**
 * Trains `model` IN PLACE on `data` and answers the delta of its weights. The data's tensors stay
 * the caller's; every tensor made here is disposed. On a throw (an abort included) the model's
 * starting weights are put back.
 */
export async function trainLocally(
  tf: TfjsModule,
  model: LayersModel,
  data: LocalData,
  options: LocalTrainingOptions,
): Promise<LocalTrainingResult> {
  const { batchSize, learningRate, loss, proximalMu = 0, dp, signal, maxSteps } = options;
  checkOptions(options);
  const examples = data.x.shape[0] ?? 0;
  if (examples === 0) throw new RangeError('no examples to train on');
  const epochs =
    maxSteps === undefined ? options.epochs : Math.ceil(maxSteps / Math.ceil(examples / batchSize));
  if (data.y.shape[0] !== examples) {
    throw new RangeError(`${examples} rows of x but ${data.y.shape[0]} rows of y`);
  }
  if (dp !== undefined && model.layers.some((layer) => layer.getClassName() === 'BatchNormalization')) {
    throw new RangeError(
      'DP-SGD needs per-example gradients: a model with BatchNormalization cannot have them',
    );
  }
  signal?.throwIfAborted();

  const start = flattenWeights(model);
  const variables = model.trainableWeights.map((weight) => weight.read() as Variable);
  const lossOf = perExampleLoss(tf, loss);
  const shuffle = seededRandom(options.seed ?? randomInt(2 ** 32));
  const optimizer = tf.train.sgd(learningRate);
  const global = proximalMu > 0 ? variables.map((variable) => variable.clone()) : [];
  const losses: number[] = [];
  let steps = 0;
  let epochLoss: Scalar | undefined;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffledIndices(examples, shuffle);
      epochLoss = tf.scalar(0);
      let trained = 0;
      for (let from = 0; from < examples && steps !== maxSteps; from += batchSize) {
        signal?.throwIfAborted();
        const batch = order.subarray(from, from + batchSize);
        const batchLoss = tf.tidy(() => {
          const indices = tf.tensor1d(batch, 'int32');
          const x = tf.gather(data.x, indices);
          const y = tf.gather(data.y, indices);
          const { grads, lossSum } =
            dp === undefined
              ? batchGradients(tf, model, variables, lossOf, x, y)
              : clippedNoisedGradients(tf, model, variables, lossOf, x, y, dp, batchSize);
          if (proximalMu > 0) {
            variables.forEach((variable, i) => {
              const proximal = tf.mul(tf.sub(variable, global[i]!), proximalMu);
              grads[variable.name] = tf.add(grads[variable.name]!, proximal);
            });
          }
          optimizer.applyGradients(grads);
          return tf.add(epochLoss!, lossSum) as Scalar;
        });
        epochLoss.dispose();
        epochLoss = batchLoss;
        steps++;
        trained += batch.length;
        // Lets timers and the signal's listeners run between batches.
        await nextTurn();
      }
      const [sum] = await epochLoss.data();
      epochLoss.dispose();
      epochLoss = undefined;
      losses.push(sum! / trained);
    }
  } catch (error) {
    setFlatWeights(tf, model, start);
    throw error;
  } finally {
    epochLoss?.dispose();
    optimizer.dispose();
    tf.dispose(global);
  }
  return {
    delta: subtract(flattenWeights(model), start),
    examples,
    losses,
    steps,
    sampleRate: Math.min(1, batchSize / examples),
  };
}

/** The model's weights (trainable or not) in `model.getWeights()` order, as one Float32Array. */
export function flattenWeights(model: LayersModel): Float32Array {
  // getWeights() answers the variables themselves: read, never dispose them.
  const weights = model.getWeights();
  const flat = new Float32Array(weights.reduce((size, weight) => size + weight.size, 0));
  let offset = 0;
  for (const weight of weights) {
    flat.set(weight.dataSync(), offset);
    offset += weight.size;
  }
  return flat;
}

/** Sets every weight of the model from one flat array in `model.getWeights()` order. */
export function setFlatWeights(tf: TfjsModule, model: LayersModel, flat: Float32Array): void {
  const weights = model.getWeights();
  const size = weights.reduce((total, weight) => total + weight.size, 0);
  if (flat.length !== size) throw new RangeError(`${flat.length} values for a model of ${size} weights`);
  let offset = 0;
  const tensors = weights.map((weight) => {
    const tensor = tf.tensor(flat.subarray(offset, offset + weight.size), weight.shape, weight.dtype);
    offset += weight.size;
    return tensor;
  });
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Adds a flat delta (as `trainLocally` answers, or an aggregate of them) to the model's weights. */
export function applyDelta(tf: TfjsModule, model: LayersModel, delta: Update): void {
  const weights = flattenWeights(model);
  checkSameLength(weights, delta);
  setFlatWeights(tf, model, add(weights, delta));
}

/**
 * The model's mean loss on `data` and its accuracy (the share of rows whose largest output is
 * where y's largest value is: one-hot targets).
 */
export async function evaluate(
  tf: TfjsModule,
  model: LayersModel,
  data: LocalData,
  loss: LocalLoss = 'categoricalCrossentropy',
): Promise<{ loss: number; accuracy: number }> {
  const lossOf = perExampleLoss(tf, loss);
  const result = tf.tidy(() => {
    const predicted = model.predict(data.x, { batchSize: 256 }) as Tensor;
    const meanLoss = tf.mean(lossOf(data.y, predicted));
    const correct = tf.equal(tf.argMax(predicted, -1), tf.argMax(data.y, -1));
    return tf.stack([meanLoss, tf.mean(tf.cast(correct, 'float32'))]);
  });
  try {
    const [meanLoss, accuracy] = await result.data();
    return { loss: meanLoss!, accuracy: accuracy! };
  } finally {
    result.dispose();
  }
}

type PerExampleLoss = (y: Tensor, predicted: Tensor) => Tensor;

/** The loss of each example (a [rows] tensor), with Keras's semantics (probabilities, not logits). */
function perExampleLoss(tf: TfjsModule, loss: LocalLoss): PerExampleLoss {
  switch (loss) {
    case 'categoricalCrossentropy':
      return (y, predicted) => tf.metrics.categoricalCrossentropy(y, predicted);
    case 'meanSquaredError':
      return (y, predicted) => tf.metrics.meanSquaredError(y, predicted);
  }
}

/** The gradient of the batch's mean loss; the sum of its losses. Call inside a tidy. */
function batchGradients(
  tf: TfjsModule,
  model: LayersModel,
  variables: Variable[],
  lossOf: PerExampleLoss,
  x: Tensor,
  y: Tensor,
): { grads: NamedTensorMap; lossSum: Scalar } {
  const rows = x.shape[0]!;
  const { value, grads } = tf.variableGrads(
    () => tf.mean(lossOf(y, model.apply(x, { training: true }) as Tensor)) as Scalar,
    variables,
  );
  return { grads: completed(tf, variables, grads), lossSum: tf.mul(value, rows) as Scalar };
}

/**
 * DP-SGD's gradient: each example's gradient clipped to C over all variables jointly, summed,
 * plus N(0, (zC)²) per coordinate, over the nominal batch size. Call inside a tidy.
 */
function clippedNoisedGradients(
  tf: TfjsModule,
  model: LayersModel,
  variables: Variable[],
  lossOf: PerExampleLoss,
  x: Tensor,
  y: Tensor,
  { l2NormClip, noiseMultiplier, random }: DpSgdOptions,
  batchSize: number,
): { grads: NamedTensorMap; lossSum: Scalar } {
  const rows = x.shape[0]!;
  const dense = denseStack(model, x.rank);
  if (dense) {
    const { sums, lossSum } = denseClippedGradientSum(tf, dense, lossOf, x, y, l2NormClip);
    return {
      grads: noised(
        tf,
        variables,
        (variable) => sums[variable.name]!,
        noiseMultiplier * l2NormClip,
        random,
        batchSize,
      ),
      lossSum,
    };
  }
  const xs = tf.split(x, rows);
  const ys = tf.split(y, rows);
  let sums: Tensor[] = variables.map((variable) => tf.zerosLike(variable));
  let lossSum = tf.scalar(0);
  for (let i = 0; i < rows; i++) {
    const next = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(lossOf(ys[i]!, model.apply(xs[i]!, { training: true }) as Tensor)) as Scalar,
        variables,
      );
      const gradients = variables.map((variable) => grads[variable.name] ?? tf.zerosLike(variable));
      const norm = tf.sqrt(tf.addN(gradients.map((gradient) => tf.sum(tf.square(gradient)))));
      const scale = tf.div(l2NormClip, tf.maximum(norm, l2NormClip));
      return {
        sums: sums.map((sum, j) => tf.add(sum, tf.mul(gradients[j]!, scale))),
        lossSum: tf.add(lossSum, value) as Scalar,
      };
    });
    tf.dispose([...sums, lossSum]);
    ({ sums, lossSum } = next);
  }
  const clipped = sums;
  return {
    grads: noised(tf, variables, (_, j) => clipped[j]!, noiseMultiplier * l2NormClip, random, batchSize),
    lossSum,
  };
}

/** The clipped sums plus N(0, std²) per coordinate, over the nominal batch size. Call inside a tidy. */
function noised(
  tf: TfjsModule,
  variables: Variable[],
  sumOf: (variable: Variable, index: number) => Tensor,
  std: number,
  random: DpSgdOptions['random'],
  batchSize: number,
): NamedTensorMap {
  const grads: NamedTensorMap = {};
  variables.forEach((variable, j) => {
    const sum = sumOf(variable, j);
    const noisy =
      std === 0
        ? sum
        : tf.add(sum, tf.tensor(gaussianNoise(variable.size, std, random), variable.shape, 'float32'));
    grads[variable.name] = tf.div(noisy, batchSize);
  });
  return grads;
}

/** The gradients by variable name, with zeros for a variable the loss does not reach. */
function completed(tf: TfjsModule, variables: Variable[], grads: NamedTensorMap): NamedTensorMap {
  const out: NamedTensorMap = {};
  for (const variable of variables) out[variable.name] = grads[variable.name] ?? tf.zerosLike(variable);
  return out;
}

function shuffledIndices(length: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function checkOptions({
  epochs,
  maxSteps,
  batchSize,
  learningRate,
  loss,
  proximalMu = 0,
  dp,
}: LocalTrainingOptions): void {
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs ${epochs} is not an integer ≥ 0`);
  if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1))
    throw new RangeError(`max steps ${maxSteps} is not an integer ≥ 1`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batch size ${batchSize} is not an integer ≥ 1`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`learning rate ${learningRate} is not a finite number > 0`);
  }
  if (loss !== 'categoricalCrossentropy' && loss !== 'meanSquaredError')
    throw new RangeError(`unknown loss ${loss}`);
  if (!(proximalMu >= 0) || !Number.isFinite(proximalMu)) {
    throw new RangeError(`proximal mu ${proximalMu} is not a finite number ≥ 0`);
  }
  if (dp !== undefined) {
    if (!(dp.l2NormClip > 0) || !Number.isFinite(dp.l2NormClip)) {
      throw new RangeError(`l2NormClip ${dp.l2NormClip} is not a finite number > 0`);
    }
    if (!(dp.noiseMultiplier >= 0) || !Number.isFinite(dp.noiseMultiplier)) {
      throw new RangeError(`noise multiplier ${dp.noiseMultiplier} is not a finite number ≥ 0`);
    }
  }
}
