import { describe, expect, it } from 'vitest';
import { saveBundle } from '../runtimes/tfjs/model-bundle.js';
import { denseGraphBundle, denseModel } from '../runtimes/tfjs/testing/tiny-models.js';
import { loadTfjs } from '../runtimes/tfjs/tfjs-loader.js';
import { bundleWithWeights, decodeUpdate, encodeUpdate, flatWeightsOf } from './bundle-weights.js';

describe("a model bundle's weights as one vector", () => {
  it('reads the weights in the order TF.js saves them, and writes others in their place', async () => {
    const { tf } = await loadTfjs();
    const model = denseModel(tf);
    const bundle = await saveBundle(model);
    const flat = flatWeightsOf(bundle);
    const expected = model.getWeights().flatMap((w) => [...(w.dataSync() as Float32Array)]);
    expect([...flat]).toEqual(expected);
    const doubled = flat.map((value) => value * 2);
    expect([...flatWeightsOf(bundleWithWeights(bundle, doubled))]).toEqual([...doubled]);
    expect(() => bundleWithWeights(bundle, doubled.subarray(1))).toThrow(
      expect.objectContaining({ code: 'FL_UPDATE_INVALID' }),
    );
    model.dispose();
  });

  it('moves updates as base64 float32, refusing a wrong length', () => {
    const update = Float32Array.from([1.5, -2, 0.25]);
    expect([...decodeUpdate(encodeUpdate(update), 3)]).toEqual([1.5, -2, 0.25]);
    expect(() => decodeUpdate(encodeUpdate(update), 4)).toThrow(
      expect.objectContaining({ code: 'FL_UPDATE_INVALID' }),
    );
  });

  it('refuses a bundle whose weights are not all float32', () => {
    const bundle = JSON.parse(new TextDecoder().decode(denseGraphBundle())) as {
      weightSpecs: { dtype: string }[];
    };
    expect(() => flatWeightsOf(denseGraphBundle())).not.toThrow();
    bundle.weightSpecs[0]!.dtype = 'int32';
    expect(() => flatWeightsOf(new TextEncoder().encode(JSON.stringify(bundle)))).toThrow(
      expect.objectContaining({ code: 'TFJS_MODEL_INVALID' }),
    );
  });
});
