import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededUniform } from '../../runtimes/tfjs/testing/tiny-models.js';
import { loadTfjs, type TfjsModule } from '../../runtimes/tfjs/tfjs-loader.js';
import { l2Norm, subtract } from '../vector-math.js';
import { denseStack } from './dense-dp-sgd.js';
import {
  applyDelta,
  evaluate,
  flattenWeights,
  type LocalData,
  type LocalTrainingOptions,
  setFlatWeights,
  trainLocally,
} from './train-locally.js';

let tf: TfjsModule;
let data: LocalData;
const EXAMPLES = 120;

beforeAll(async () => {
  ({ tf } = await loadTfjs());
  data = separable(EXAMPLES, 3);
});

afterAll(() => {
  tf.dispose([data.x, data.y]);
});

/**
 * Two classes in the plane, split by the line x₀ + x₁ = 0 with a margin of 0.2 (points closer are
 * pushed out), one-hot targets.
 */
function separable(rows: number, seed: number): LocalData {
  const random = seededUniform(seed, 1);
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < rows; i++) {
    let a = random();
    let b = random();
    const side = a + b >= 0 ? 1 : -1;
    if (Math.abs(a + b) < 0.2) {
      a += side * 0.2;
      b += side * 0.2;
    }
    x.push([a, b]);
    y.push(side > 0 ? [0, 1] : [1, 0]);
  }
  return { x: tf.tensor2d(x), y: tf.tensor2d(y) };
}

/** 2 → 4 (tanh) → 2 (softmax), seeded weights, not compiled. */
function smallModel(seed = 11): LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 4, activation: 'tanh' }),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  setFlatWeights(tf, model, Float32Array.from({ length: 2 * 4 + 4 + 4 * 2 + 2 }, seededUniform(seed, 0.5)));
  return model;
}

/** A deterministic uniform [0, 1) source for the DP noise. */
function unit(seed: number): () => number {
  const next = seededUniform(seed, 1);
  return () => (next() + 1) / 2;
}

const base: LocalTrainingOptions = {
  epochs: 5,
  batchSize: 16,
  learningRate: 0.5,
  loss: 'categoricalCrossentropy',
  seed: 1,
};

async function withModel<T>(work: (model: LayersModel) => Promise<T>): Promise<T> {
  const model = smallModel();
  try {
    return await work(model);
  } finally {
    model.dispose();
  }
}

describe('trainLocally', () => {
  it('lowers the loss and answers the delta that turns the starting model into the trained one', async () => {
    const before = tf.memory().numTensors;
    const model = smallModel();
    const start = flattenWeights(model);
    const initial = await evaluate(tf, model, data);
    const result = await trainLocally(tf, model, data, base);
    const trained = flattenWeights(model);
    const final = await evaluate(tf, model, data);

    expect(result.examples).toBe(EXAMPLES);
    expect(result.steps).toBe(5 * Math.ceil(EXAMPLES / 16));
    expect(result.sampleRate).toBeCloseTo(16 / EXAMPLES, 12);
    expect(result.losses).toHaveLength(5);
    expect(result.losses[4]!).toBeLessThan(result.losses[0]! * 0.7);
    expect(final.loss).toBeLessThan(initial.loss * 0.5);
    expect(final.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.delta).toHaveLength(start.length);
    expect(l2Norm(result.delta)).toBeGreaterThan(0.1);

    const fresh = smallModel();
    expect([...flattenWeights(fresh)]).toEqual([...start]);
    applyDelta(tf, fresh, result.delta);
    const applied = flattenWeights(fresh);
    for (let i = 0; i < trained.length; i++) expect(applied[i]).toBeCloseTo(trained[i]!, 6);
    fresh.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the same way for the same seed and another way for another', async () => {
    const run = (seed: number) =>
      withModel((model) => trainLocally(tf, model, data, { ...base, epochs: 2, seed }));
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect([...a.delta]).toEqual([...b.delta]);
    expect(a.losses).toEqual(b.losses);
    expect(l2Norm(subtract(a.delta, c.delta))).toBeGreaterThan(1e-4);
  });

  it('stops after maxSteps batches, across epochs when it must, and steps exactly as far as full epochs', async () => {
    const oneStep = await withModel((model) => trainLocally(tf, model, data, { ...base, maxSteps: 1 }));
    expect(oneStep.steps).toBe(1);
    expect(oneStep.losses).toHaveLength(1);
    const perEpoch = Math.ceil(EXAMPLES / base.batchSize);
    const longer = await withModel((model) =>
      trainLocally(tf, model, data, { ...base, maxSteps: perEpoch + 2 }),
    );
    expect(longer.steps).toBe(perEpoch + 2);
    expect(longer.losses).toHaveLength(2);
    const twoEpochs = await withModel((model) => trainLocally(tf, model, data, { ...base, epochs: 2 }));
    const sameSteps = await withModel((model) =>
      trainLocally(tf, model, data, { ...base, epochs: 9, maxSteps: 2 * perEpoch }),
    );
    expect([...sameSteps.delta]).toEqual([...twoEpochs.delta]);
    expect(l2Norm(oneStep.delta)).toBeLessThan(l2Norm(twoEpochs.delta));
  });

  it('keeps the update closer to the global model with FedProx', async () => {
    const options = { ...base, learningRate: 0.2, epochs: 4 };
    const fedAvg = await withModel((model) => trainLocally(tf, model, data, options));
    const fedProx = await withModel((model) => trainLocally(tf, model, data, { ...options, proximalMu: 2 }));
    const strong = await withModel((model) => trainLocally(tf, model, data, { ...options, proximalMu: 4 }));
    expect(l2Norm(fedProx.delta)).toBeLessThan(l2Norm(fedAvg.delta) * 0.8);
    expect(l2Norm(strong.delta)).toBeLessThan(l2Norm(fedProx.delta));
    expect(strong.losses.every(Number.isFinite)).toBe(true);
  });

  it('trains with the mean squared error too', async () => {
    const result = await withModel((model) =>
      trainLocally(tf, model, data, { ...base, loss: 'meanSquaredError', learningRate: 1 }),
    );
    expect(result.losses[4]!).toBeLessThan(result.losses[0]!);
  });

  it('stops between batches on abort, puts the starting weights back and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    await withModel(async (model) => {
      const start = flattenWeights(model);
      const controller = new AbortController();
      const training = trainLocally(tf, model, data, { ...base, epochs: 50, signal: controller.signal });
      setTimeout(() => controller.abort(new Error('round cancelled')), 20);
      await expect(training).rejects.toThrow('round cancelled');
      expect([...flattenWeights(model)]).toEqual([...start]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad options and mismatched data', async () => {
    await withModel(async (model) => {
      await expect(trainLocally(tf, model, data, { ...base, batchSize: 0 })).rejects.toThrow(RangeError);
      await expect(trainLocally(tf, model, data, { ...base, learningRate: -1 })).rejects.toThrow(RangeError);
      await expect(trainLocally(tf, model, data, { ...base, maxSteps: 0 })).rejects.toThrow(/max steps/);
      await expect(
        trainLocally(tf, model, data, { ...base, dp: { l2NormClip: 0, noiseMultiplier: 1 } }),
      ).rejects.toThrow(RangeError);
      const y = tf.zeros([3, 2]);
      await expect(trainLocally(tf, model, { x: data.x, y }, base)).rejects.toThrow(/rows/);
      y.dispose();
    });
    const normalized = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 2 }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    await expect(
      trainLocally(tf, normalized, data, { ...base, dp: { l2NormClip: 1, noiseMultiplier: 1 } }),
    ).rejects.toThrow(/BatchNormalization/);
    normalized.dispose();
  });
});

describe('trainLocally with DP-SGD', () => {
  it('takes the plain step when no example is clipped and there is no noise (per-example gradients are right)', async () => {
    const options = { ...base, epochs: 1, batchSize: EXAMPLES, learningRate: 0.1 };
    const plain = await withModel((model) => trainLocally(tf, model, data, options));
    const dp = await withModel((model) =>
      trainLocally(tf, model, data, { ...options, dp: { l2NormClip: 1e6, noiseMultiplier: 0 } }),
    );
    expect(l2Norm(plain.delta)).toBeGreaterThan(1e-3);
    expect(l2Norm(subtract(dp.delta, plain.delta))).toBeLessThan(1e-5 * l2Norm(plain.delta) + 1e-7);
    expect(dp.losses[0]).toBeCloseTo(plain.losses[0]!, 5);
  });

  it('bounds every step by learningRate · clip when the clip binds', async () => {
    const clip = 0.01;
    const learningRate = 0.5;
    const whole = { ...base, epochs: 1, batchSize: EXAMPLES, learningRate };
    // Without DP, one step over the whole data is far longer than lr · C: the clip binds.
    const plain = await withModel((model) => trainLocally(tf, model, data, whole));
    expect(l2Norm(plain.delta)).toBeGreaterThan(10 * learningRate * clip);
    // With it, the step is lr · (Σ clipped)/B, of norm at most lr · C.
    const one = await withModel((model) =>
      trainLocally(tf, model, data, { ...whole, dp: { l2NormClip: clip, noiseMultiplier: 0 } }),
    );
    expect(l2Norm(one.delta)).toBeGreaterThan(0);
    expect(l2Norm(one.delta)).toBeLessThanOrEqual(learningRate * clip * (1 + 1e-5));
    // One example, one step: its gradient clipped to exactly C, so the step is exactly lr · C long.
    const single = { x: data.x.slice(0, 1), y: data.y.slice(0, 1) };
    const exact = await withModel((model) =>
      trainLocally(tf, model, single, {
        ...whole,
        batchSize: 1,
        dp: { l2NormClip: clip, noiseMultiplier: 0 },
      }),
    );
    tf.dispose([single.x, single.y]);
    expect(l2Norm(exact.delta)).toBeCloseTo(learningRate * clip, 6);
    // Many steps: each is bounded, so their sum is at most steps · lr · C.
    const many = await withModel((model) =>
      trainLocally(tf, model, data, { ...base, learningRate, dp: { l2NormClip: clip, noiseMultiplier: 0 } }),
    );
    expect(many.steps).toBe(5 * Math.ceil(EXAMPLES / 16));
    expect(l2Norm(many.delta)).toBeLessThanOrEqual(many.steps * learningRate * clip * (1 + 1e-5));
  });

  it('clips a Dense stack in one pass exactly as example by example', async () => {
    // The same network twice: as Dense layers (the one-pass path) and with its activation as a
    // layer of its own (which sends DP-SGD through the per-example loop).
    const weights = flattenWeights(smallModel(5));
    const dense = smallModel(5);
    const looped = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 4 }),
        tf.layers.activation({ activation: 'tanh' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    setFlatWeights(tf, looped, weights);
    const options: LocalTrainingOptions = {
      ...base,
      epochs: 2,
      batchSize: 16,
      learningRate: 0.5,
      seed: 4,
      dp: { l2NormClip: 0.05, noiseMultiplier: 0 },
    };
    expect(denseStack(dense, 2)).toHaveLength(2);
    expect(denseStack(looped, 2)).toBeUndefined();
    const fast = await trainLocally(tf, dense, data, options);
    const slow = await trainLocally(tf, looped, data, options);
    expect(l2Norm(fast.delta)).toBeGreaterThan(0);
    expect(l2Norm(subtract(fast.delta, slow.delta))).toBeLessThan(1e-5 * l2Norm(slow.delta));
    expect(fast.losses[1]).toBeCloseTo(slow.losses[1]!, 5);
    dense.dispose();
    looped.dispose();
  });

  it('still learns the easy problem with noise, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const model = smallModel();
    const initial = await evaluate(tf, model, data);
    const result = await trainLocally(tf, model, data, {
      ...base,
      epochs: 6,
      batchSize: 20,
      learningRate: 0.5,
      dp: { l2NormClip: 1, noiseMultiplier: 1, random: unit(99) },
    });
    const final = await evaluate(tf, model, data);
    expect(result.sampleRate).toBeCloseTo(20 / EXAMPLES, 12);
    expect(result.steps).toBe(6 * Math.ceil(EXAMPLES / 20));
    expect(final.loss).toBeLessThan(initial.loss);
    expect(final.accuracy).toBeGreaterThanOrEqual(0.9);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adds noise: two runs with different noise differ, with FedProx on top', async () => {
    // A fresh noise source per run: a source is a stream, consumed by each run.
    const options = (noiseSeed: number): LocalTrainingOptions => ({
      ...base,
      epochs: 1,
      proximalMu: 0.5,
      dp: { l2NormClip: 1, noiseMultiplier: 1, random: unit(noiseSeed) },
    });
    const before = tf.memory().numTensors;
    const a = await withModel((model) => trainLocally(tf, model, data, options(1)));
    const b = await withModel((model) => trainLocally(tf, model, data, options(2)));
    const again = await withModel((model) => trainLocally(tf, model, data, options(1)));
    expect([...again.delta]).toEqual([...a.delta]);
    expect(l2Norm(subtract(a.delta, b.delta))).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('weight helpers', () => {
  it('flatten, set and apply deltas in getWeights() order without leaking', () => {
    const before = tf.memory().numTensors;
    const model = smallModel();
    const flat = flattenWeights(model);
    expect(flat).toHaveLength(22);
    const kernel = model.getWeights()[0] as Tensor;
    expect([...flat.subarray(0, 8)]).toEqual([...(kernel.dataSync() as Float32Array)]);
    const ones = new Float32Array(flat.length).fill(1);
    applyDelta(tf, model, ones);
    const moved = flattenWeights(model);
    for (let i = 0; i < flat.length; i++) expect(moved[i]).toBeCloseTo(flat[i]! + 1, 6);
    setFlatWeights(tf, model, flat);
    expect([...flattenWeights(model)]).toEqual([...flat]);
    expect(() => setFlatWeights(tf, model, new Float32Array(3))).toThrow(RangeError);
    expect(() => applyDelta(tf, model, new Float32Array(3))).toThrow(RangeError);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
