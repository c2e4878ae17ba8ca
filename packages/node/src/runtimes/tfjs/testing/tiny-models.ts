import type { io, LayersModel } from '@tensorflow/tfjs';
import { encodeBundle } from '../model-bundle.js';
import type { TfjsModule } from '../tfjs-loader.js';

/** y = x·W + b, with W 3×2 and b 2: small integers, so the expected outputs are exact. */
export const DENSE_W = [
  [1, 2],
  [3, 4],
  [5, 6],
];
export const DENSE_B = [0.5, -1];

/** The dense model's output by hand: x·W + b, row by row. */
export function denseReference(x: readonly (readonly number[])[]): number[][] {
  return x.map((row) =>
    DENSE_B.map((bias, j) => row.reduce((sum, value, i) => sum + value * DENSE_W[i]![j]!, bias)),
  );
}

/** A sequential layers model: one dense layer, 3 inputs to 2 outputs, weights set. */
export function denseModel(tf: TfjsModule): LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'dense' })],
  });
  tf.tidy(() => model.setWeights([tf.tensor2d(DENSE_W), tf.tensor1d(DENSE_B)]));
  return model;
}

/**
 * A functional model of two named inputs, `a` [?, 2] and `b` [?, 1], and two outputs:
 * `sum` = a0 + a1 + b (a dense layer of ones, no bias) and `scaled` = 2 * b.
 */
export function twoInputModel(tf: TfjsModule): LayersModel {
  const a = tf.input({ shape: [2], name: 'a' });
  const b = tf.input({ shape: [1], name: 'b' });
  const joined = tf.layers.concatenate().apply([a, b]) as ReturnType<typeof tf.input>;
  const sum = tf.layers
    .dense({ units: 1, useBias: false, kernelInitializer: 'ones', name: 'sum' })
    .apply(joined);
  const scaled = tf.layers
    .dense({
      units: 1,
      useBias: false,
      kernelInitializer: tf.initializers.constant({ value: 2 }),
      name: 'scaled',
    })
    .apply(b);
  return tf.model({ inputs: [a, b], outputs: [sum, scaled] as ReturnType<typeof tf.input>[] });
}

/**
 * The dense model as a hand-written TF.js graph model (a GraphDef in JSON, as tfjs-converter writes
 * them): Placeholder x [?, 3], Const w and b, MatMul, then BiasAdd into the output y.
 */
export function denseGraphBundle(): Uint8Array {
  const float = { type: 'DT_FLOAT' };
  const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const constant = (name: string, ...shape: number[]) => ({
    name,
    op: 'Const',
    attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims(...shape) } }, dtype: float },
  });
  const artifacts: io.ModelArtifacts = {
    format: 'graph-model',
    generatedBy: 'idlegrid tests',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dims(-1, 3) } } },
        constant('w', 3, 2),
        constant('b', 2),
        {
          name: 'mm',
          op: 'MatMul',
          input: ['x', 'w'],
          attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } },
        },
        { name: 'y', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: float, data_format: { s: 'TkhXQw==' } } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightSpecs: [
      { name: 'w', shape: [3, 2], dtype: 'float32' },
      { name: 'b', shape: [2], dtype: 'float32' },
    ],
    weightData: new Float32Array([...DENSE_W.flat(), ...DENSE_B]).buffer,
  };
  return encodeBundle(artifacts);
}

/** A deterministic stream of numbers in [-limit, limit) (a linear congruential generator). */
export function seededUniform(seed: number, limit: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 * limit - limit;
  };
}

/** A classifier 4 → 8 (relu) → 3 (softmax) with seeded weights, compiled with categorical crossentropy. */
export function irisModel(tf: TfjsModule, seed = 42): LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', name: 'hidden' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'classes' }),
    ],
  });
  const random = seededUniform(seed, 0.7);
  tf.tidy(() =>
    model.setWeights(
      model.getWeights().map((w) => tf.tensor(Array.from({ length: w.size }, random), w.shape)),
    ),
  );
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return model;
}
