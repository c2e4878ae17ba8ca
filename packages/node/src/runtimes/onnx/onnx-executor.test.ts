import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions, RunResult } from '../api.js';
import { failure } from '../testing.js';
import { type TensorsAnswer, type TensorsRequest, tensorsRequestSchema } from './api.js';
import { ocrModelPaths } from './ocr.js';
import { createOnnxExecutor, type OnnxTask } from './onnx-executor.js';
import { SessionHost } from './session-worker.js';
import { halfToNumber } from './tensors.js';
import {
  denseModel,
  denseReference,
  embeddingRow,
  embedModel,
  externalDataModel,
  slowModel,
  typesModel,
} from './testing/tiny-onnx.js';

const executor = createOnnxExecutor({ device: 'cpu' });
let dir: string;
let dense: OnnxTask;
let embed: OnnxTask;
let types: OnnxTask;
let slow: OnnxTask;
const SLOW_N = 1536;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-onnx-'));
  const models = { dense: denseModel(), embed: embedModel(), types: typesModel(), slow: slowModel(SLOW_N) };
  for (const [name, bytes] of Object.entries(models)) await writeFile(join(dir, `${name}.onnx`), bytes);
  [dense, embed, types, slow] = await Promise.all(
    Object.keys(models).map((name) => executor.prepare(join(dir, `${name}.onnx`))),
  );
});

afterAll(async () => {
  await Promise.all([dense?.dispose(), embed?.dispose(), types?.dispose(), slow?.dispose()]);
  await rm(dir, { recursive: true, force: true });
});

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const answerOf = (result: RunResult) => JSON.parse(new TextDecoder().decode(result.stdout)) as TensorsAnswer;
const tensors = (inputs: TensorsRequest['inputs'], outputs?: string[]): TensorsRequest =>
  tensorsRequestSchema.parse({ kind: 'tensors', inputs, ...(outputs ? { outputs } : {}) });

const runFailure = (task: OnnxTask, request: unknown, options?: RunOptions) =>
  failure(
    task.run(
      { stdin: typeof request === 'string' ? new TextEncoder().encode(request) : json(request) },
      options,
    ),
  );

describe('onnx executor (onnxruntime-node on generated models)', () => {
  it("reports the model's inputs and outputs and the provider it runs on", () => {
    expect(dense.provider).toBe('cpu');
    expect(dense.inputs).toEqual([{ name: 'X', isTensor: true, type: 'float32', shape: ['batch', 3] }]);
    expect(dense.outputs).toEqual([{ name: 'Y', isTensor: true, type: 'float32', shape: ['batch', 2] }]);
    expect(embed.inputs[0]).toMatchObject({ name: 'ids', type: 'int64', shape: ['batch', 'seq'] });
  });

  it('runs on the CPU when CUDA is asked for but cannot start, saying why', async () => {
    const runtime = await executor.runtimeInfo();
    const auto = await createOnnxExecutor({ device: 'auto' }).prepare(join(dir, 'dense.onnx'));
    // Without the CUDA provider's library (installs that skip its download) auto goes straight to the CPU;
    // the forced CUDA attempt below fails, and onnxruntime logs that failure to stderr.
    if (!runtime.cuda) expect(auto.provider).toBe('cpu');
    await auto.dispose();
    const host = await SessionHost.open(join(dir, 'dense.onnx'), {
      modulePath: runtime.modulePath,
      attempts: [['cuda', 'cpu'], ['cpu']],
      threads: 1,
    });
    if (!runtime.cuda) {
      expect(host.provider).toBe('cpu');
      expect(host.fallbacks).toEqual([expect.stringMatching(/^cuda: /)]);
    }
    await host.close();
  });

  it('computes Relu(X·W + B) exactly, answering JSON on stdout', async () => {
    // Quarters and eighths: every product and sum is exact in float32, so the numbers are equal.
    const x = [
      [1, 2, 3],
      [-1, 0, 4],
      [0.5, -0.25, 0.125],
      [2, 2, -1],
    ];
    const result = await dense.run({
      stdin: json({ kind: 'tensors', inputs: { X: { type: 'float32', dims: [4, 3], data: x.flat() } } }),
    });
    expect(result).toMatchObject({ exitCode: 0, stdoutTruncated: false, stderr: new Uint8Array(0) });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(answerOf(result)).toEqual({
      kind: 'tensors',
      outputs: { Y: { type: 'float32', dims: [4, 2], data: denseReference(x).flat() } },
    });
    expect(denseReference(x).flat()).toEqual([0, 2.75, 0, 1, 0.625, 0, 5.5, 0.75]);
  });

  it('embeds int64 token ids as the mean of their rows', async () => {
    // Four ids a row: the means are exact in float32.
    const ids = [
      [1, 3, 4, 0],
      [7, 0, 2, 5],
    ];
    const answer = await embed.answer(tensors({ ids: { type: 'int64', dims: [2, 4], data: ids.flat() } }));
    const mean = (row: number[]) =>
      [0, 1, 2, 3].map((d) => row.reduce((sum, t) => sum + embeddingRow(t)[d]!, 0) / row.length);
    expect(answer.outputs.embedding).toEqual({ type: 'float32', dims: [2, 4], data: ids.flatMap(mean) });
    expect(answer.outputs.embedding!.data.slice(0, 4)).toEqual([2, 1, -2, 0.8125]);
  });

  it('feeds and answers int32, bool, uint8 and int64 tensors, all outputs or those asked for', async () => {
    const inputs: TensorsRequest['inputs'] = {
      a: { type: 'int32', dims: [4], data: [1, -2, 2 ** 30 - 1, 0] },
      flag: { type: 'bool', dims: [4], data: [1, 0, 0, 1] },
      pixels: { type: 'uint8', dims: [4], data: [0, 1, 254, 255] },
      n: { type: 'int64', dims: [4], data: [2 ** 52, -5, 3, 7] },
    };
    const answer = await types.answer(tensors(inputs));
    expect(answer.outputs).toEqual({
      doubled: { type: 'int32', dims: [4], data: [2, -4, 2 ** 31 - 2, 0] },
      flipped: { type: 'bool', dims: [4], data: [0, 1, 1, 0] },
      same: { type: 'uint8', dims: [4], data: [0, 1, 254, 255] },
      count: { type: 'int64', dims: [1], data: [2 ** 52 + 5] },
    });
    const some = await types.answer(tensors(inputs, ['count', 'same']));
    expect(Object.keys(some.outputs).sort()).toEqual(['count', 'same']);
  });

  it('refuses int64 values beyond 2^53, in requests and in answers', async () => {
    const request = {
      kind: 'tensors',
      inputs: { ids: { type: 'int64', dims: [1, 1], data: [2 ** 53] } },
    };
    expect(await runFailure(embed, request)).toMatchObject({
      code: 'ONNX_REQUEST_INVALID',
      message: expect.stringContaining('is not a int64 value'),
    });
    const big = 2 ** 52;
    const overflow = tensors({
      a: { type: 'int32', dims: [4], data: [0, 0, 0, 0] },
      flag: { type: 'bool', dims: [4], data: [0, 0, 0, 0] },
      pixels: { type: 'uint8', dims: [4], data: [0, 0, 0, 0] },
      n: { type: 'int64', dims: [4], data: [big, big, big, big] },
    });
    expect(await failure(types.answer(overflow))).toMatchObject({
      code: 'ONNX_OUTPUT_UNSUPPORTED',
      message: expect.stringContaining('beyond the integers a JSON number holds exactly'),
    });
  });

  it('rejects requests that do not fit the model, naming what is wrong', async () => {
    const x = (input: object) => ({
      kind: 'tensors',
      inputs: { X: { type: 'float32', dims: [1, 3], data: [1, 2, 3], ...input } },
    });
    const cases: [unknown, string][] = [
      ['{"kind": "tensors",', 'the onnx request is not JSON'],
      [
        { kind: 'tensors', inputs: { Z: { type: 'float32', dims: [1], data: [1] } } },
        'the model has no input "Z"; its inputs are "X"',
      ],
      [{ kind: 'tensors', inputs: {} }, 'the request lacks the model\'s input "X"'],
      [x({ type: 'int32' }), 'input "X" is float32 in the model, the request gives int32'],
      [x({ dims: [3, 1] }), 'input "X" has dims [3,1], the model takes [batch, 3]'],
      [x({ dims: [3] }), 'input "X" has dims [3], the model takes [batch, 3]'],
      [x({ dims: [2, 3] }), 'dims [2,3] hold 6 elements, data has 3'],
      [x({ type: 'float16' }), 'inputs.X.type'],
      [{ ...x({}), outputs: ['Q'] }, 'the model has no output "Q"; its outputs are "Y"'],
      [
        { kind: 'tensors', inputs: { X: { type: 'uint8', dims: [1], data: [256] } } },
        '256 is not a uint8 value',
      ],
      [{ kind: 'ocr', images: ['aGk='] }, 'an ocr request needs the OCR task (prepareOcr)'],
      [{ kind: 'classify' }, 'the onnx request is malformed'],
    ];
    for (const [request, message] of cases) {
      expect(await runFailure(dense, request), JSON.stringify(request)).toMatchObject({
        code: 'ONNX_REQUEST_INVALID',
        message: expect.stringContaining(message),
      });
    }
    expect(await failure(dense.run({}))).toMatchObject({
      message: 'an onnx job needs its request as its first input',
    });
  });

  it('fails to prepare a file that is not an ONNX model', async () => {
    await writeFile(join(dir, 'not-onnx.onnx'), 'GGUF is not protobuf, nor is this');
    expect(await failure(executor.prepare(join(dir, 'not-onnx.onnx')))).toMatchObject({
      code: 'ONNX_MODEL_INVALID',
      message: expect.stringContaining('not an ONNX model onnxruntime can load'),
    });
    expect(await failure(executor.prepare(join(dir, 'missing.onnx')))).toMatchObject({
      code: 'ONNX_MODEL_INVALID',
      message: expect.stringContaining("doesn't exist"),
    });
  });

  it('gives up preparing when the signal aborts, before or while the model loads', async () => {
    expect(
      await failure(executor.prepare(join(dir, 'dense.onnx'), { signal: AbortSignal.abort() })),
    ).toMatchObject({ code: 'ABORTED', message: 'onnx prepare aborted' });
    const loading = new AbortController();
    const prepared = failure(executor.prepare(ocrModelPaths().recognition, { signal: loading.signal }));
    setTimeout(() => loading.abort(), 10);
    expect(await prepared).toMatchObject({ code: 'ABORTED', message: 'onnx prepare aborted' });
  });

  it("lets a model's external data come only from the model's own directory", async () => {
    const models = join(dir, 'external');
    await mkdir(models);
    await writeFile(join(dir, 'secret.bin'), new Uint8Array(new Float32Array([13, 37]).buffer));
    await writeFile(join(models, 'weights.bin'), new Uint8Array(new Float32Array([4, 2]).buffer));
    const cases = { inside: 'weights.bin', escapes: '../secret.bin', absolute: join(dir, 'secret.bin') };
    for (const [name, location] of Object.entries(cases)) {
      await writeFile(join(models, `${name}.onnx`), externalDataModel(location));
    }
    const inside = await executor.prepare(join(models, 'inside.onnx'));
    expect((await inside.answer(tensors({}))).outputs.Y!.data).toEqual([4, 2]);
    await inside.dispose();
    for (const name of ['escapes', 'absolute']) {
      expect(await failure(executor.prepare(join(models, `${name}.onnx`)))).toMatchObject({
        code: 'ONNX_MODEL_INVALID',
        message: expect.stringContaining('External data path'),
      });
    }
  });

  it('caps the answer at the output limit', async () => {
    const request = { kind: 'tensors', inputs: { X: { type: 'float32', dims: [1, 3], data: [1, 2, 3] } } };
    expect(await runFailure(dense, request, { limits: { outputBytes: 20 } })).toMatchObject({
      code: 'ONNX_OUTPUT_TOO_LARGE',
      message: expect.stringMatching(/^the answer is \d+ bytes, over the 20 byte limit$/),
    });
  });

  it('stops waiting at the wall-time limit while the model finishes, then runs the next request', async () => {
    const one = tensors({ x: { type: 'float32', dims: [1], data: [1] } });
    const timedOut = failure(slow.answer(one, { limits: { wallTimeMs: 5 } }));
    // Queued behind the run still computing, then computed in full.
    let nextDone = false;
    const next = slow.answer(one).then((answer) => {
      nextDone = true;
      return answer;
    });
    expect(await timedOut).toMatchObject({
      code: 'ONNX_TIMEOUT',
      message: 'the onnx run went past its 5 ms limit',
    });
    // The wait ended while the model was still computing: the run queued behind it had not run yet.
    expect(nextDone).toBe(false);
    expect((await next).outputs.y).toEqual({ type: 'float32', dims: [], data: [SLOW_N ** 3] });
  });

  it('never starts an aborted run, and stops waiting when the signal aborts', async () => {
    const one = tensors({ x: { type: 'float32', dims: [1], data: [1] } });
    expect(await failure(slow.answer(one, { signal: AbortSignal.abort() }))).toMatchObject({
      code: 'ABORTED',
      message: 'onnx run aborted',
    });
    const running = new AbortController();
    const waiting = new AbortController();
    const first = failure(slow.answer(one, { signal: running.signal }));
    const second = failure(slow.answer(one, { signal: waiting.signal }));
    setTimeout(() => {
      waiting.abort();
      running.abort();
    }, 5);
    expect(await first).toMatchObject({ code: 'ABORTED' });
    expect(await second).toMatchObject({ code: 'ABORTED' });
    expect((await slow.answer(one)).outputs.y!.data).toEqual([SLOW_N ** 3]);
  });

  it('refuses runs once disposed', async () => {
    const task = await executor.prepare(join(dir, 'dense.onnx'));
    await task.dispose();
    expect(
      await failure(task.answer(tensors({ X: { type: 'float32', dims: [1, 3], data: [1, 2, 3] } }))),
    ).toMatchObject({
      message: 'the onnx session was disposed',
    });
  });
});

describe('float16 outputs', () => {
  it('decodes half-precision bits', () => {
    expect([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x7c00, 0xfc00].map(halfToNumber)).toEqual([
      1,
      -2,
      0.333251953125,
      2 ** -24,
      65504,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(halfToNumber(0x7e00)).toBeNaN();
  });
});
