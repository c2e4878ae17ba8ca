import { isIdlegridError } from '@idlegrid/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, decodeBundle, encodeBundle, loadBundle, saveBundle } from './model-bundle.js';
import {
  DENSE_B,
  DENSE_W,
  denseGraphBundle,
  denseModel,
  denseReference,
  twoInputModel,
} from './testing/tiny-models.js';
import { loadTfjs, type TfjsModule } from './tfjs-loader.js';

let tf: TfjsModule;

beforeAll(async () => {
  ({ tf } = await loadTfjs());
});

const text = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function codeOf(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    if (isIdlegridError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a throw');
}

describe('idlegrid-tfjs/1 model bundles', () => {
  it('saves a layers model as one JSON file with its weights inlined, and loads it back', async () => {
    const model = denseModel(tf);
    const bytes = await saveBundle(model);
    model.dispose();
    const bundle = JSON.parse(new TextDecoder().decode(bytes));
    expect(Object.keys(bundle).slice(0, 5)).toEqual([
      'format',
      'modelFormat',
      'modelTopology',
      'weightSpecs',
      'weightData',
    ]);
    expect(bundle).toMatchObject({ format: BUNDLE_FORMAT, modelFormat: 'layers-model' });
    expect(bundle.weightSpecs).toEqual([
      { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
      { name: 'dense/bias', shape: [2], dtype: 'float32' },
    ]);
    const weights = new Float32Array(new Uint8Array(Buffer.from(bundle.weightData, 'base64')).buffer);
    expect([...weights]).toEqual([...DENSE_W.flat(), ...DENSE_B]);

    const loaded = await loadBundle(bytes);
    expect(loaded.format).toBe('layers-model');
    const x = [
      [1, 1, 1],
      [0.5, -1, 2],
    ];
    const y = tf.tidy(() =>
      (loaded.model.predict(tf.tensor2d(x)) as ReturnType<typeof tf.tensor2d>).arraySync(),
    );
    expect(y).toEqual(denseReference(x));
    expect(y).toEqual([
      [9.5, 11],
      [8, 8],
    ]);
    loaded.model.dispose();
  });

  it("keeps a compiled model's loss and optimizer where asked (trainingConfig), and a functional model's names", async () => {
    const model = twoInputModel(tf);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(decodeBundle(await saveBundle(model)).trainingConfig).toBeUndefined();
    const bytes = await saveBundle(model, { trainingConfig: true });
    model.dispose();
    const bundle = decodeBundle(bytes);
    expect(bundle.trainingConfig).toMatchObject({
      loss: 'mean_squared_error',
      optimizer_config: { class_name: 'SGD' },
    });
    expect(bundle.weightSpecs.map((spec) => spec.name)).toEqual(['sum/kernel', 'scaled/kernel']);
    const loaded = await loadBundle(bytes);
    if (loaded.format !== 'layers-model') throw new Error('expected a layers model');
    await expect(saveBundle(twoInputModel(tf), { trainingConfig: true })).rejects.toThrow(/compiled/);
    expect(loaded.model.inputNames).toEqual(['a', 'b']);
    expect(loaded.model.outputNames).toEqual(['sum', 'scaled']);
    expect(loaded.model.loss).toBe('meanSquaredError');
    loaded.model.dispose();
  });

  it('bundles a graph model and saves it again unchanged', async () => {
    const loaded = await loadBundle(denseGraphBundle());
    expect(loaded.format).toBe('graph-model');
    const y = tf.tidy(() =>
      (loaded.model.predict(tf.tensor2d([[1, 1, 1]])) as ReturnType<typeof tf.tensor2d>).arraySync(),
    );
    expect(y).toEqual([[9.5, 11]]);
    const again = decodeBundle(await saveBundle(loaded.model));
    expect(again.modelFormat).toBe('graph-model');
    expect(again.weightSpecs.map((spec) => spec.name)).toEqual(['w', 'b']);
    loaded.model.dispose();
  });

  it('refuses files that are not bundles, and bundles whose weights do not match their specs', () => {
    const valid = decodeBundle(denseGraphBundle());
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), /not UTF-8 JSON|not an idlegrid-tfjs\/1/],
      [new Uint8Array([0xff, 0xfe, 0x7b]), /not UTF-8 JSON/],
      [text('{"modelTopology": {}, "weightsManifest": []}'), /its format is not "idlegrid-tfjs\/1"/],
      [text('[1, 2]'), /its format is not/],
      [text({ ...valid, format: 'idlegrid-tfjs/2' }), /its format is not/],
      [text({ ...valid, weightData: 'not base64!' }), /weightData: not base64/],
      [text({ ...valid, modelFormat: 'keras' }), /modelFormat/],
      [
        text({ ...valid, weightData: valid.weightData.slice(0, -4) }),
        /weights are 30 bytes, its weightSpecs describe 32/,
      ],
      [text({ ...valid, weightSpecs: 'none' }), /weightSpecs/],
    ];
    for (const [bytes, message] of cases) {
      const error = codeOf(() => decodeBundle(bytes));
      expect(error.code).toBe('TFJS_MODEL_INVALID');
      expect(error.message).toMatch(message);
    }
  });

  it('refuses to bundle a binary (protobuf) topology', () => {
    const error = codeOf(() => encodeBundle({ modelTopology: new ArrayBuffer(4), weightSpecs: [] }));
    expect(error).toMatchObject({
      code: 'TFJS_MODEL_INVALID',
      message: expect.stringMatching(/JSON topology/),
    });
  });

  it('fails to load a bundle whose topology TF.js cannot build, with TFJS_MODEL_INVALID', async () => {
    const bytes = text({ ...decodeBundle(denseGraphBundle()), modelFormat: 'layers-model' });
    await expect(loadBundle(bytes)).rejects.toMatchObject({
      code: 'TFJS_MODEL_INVALID',
      message: expect.stringMatching(/TF.js cannot build the bundle's model/),
    });
  });
});
