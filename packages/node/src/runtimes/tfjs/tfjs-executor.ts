import { readFile, stat } from 'node:fs/promises';
import type { io } from '@tensorflow/tfjs';
import {
  DEFAULT_LIMITS,
  type Executor,
  type PreparedTask,
  type PrepareOptions,
  type RunOptions,
  type RunRequest,
  type RunResult,
} from '../api.js';
import { jsonRunResult, parseJsonRequest } from '../json-job.js';
import { resolveLimits } from '../limits.js';
import { type TfjsAnswer, type TfjsRequest, tfjsRequestSchema } from './api.js';
import { Deadline } from './deadline.js';
import { aborted, messageOf, modelInvalid, outputTooLarge, requestInvalid } from './errors.js';
import { artifactsOf, decodeBundle, loadArtifacts, type ModelFormat } from './model-bundle.js';
import { predict } from './predict.js';
import { type ModelSignature, signatureOf, type TensorInfo } from './tensors.js';
import { loadTfjs, type TfjsBackendName, type TfjsRuntime } from './tfjs-loader.js';
import { train } from './train.js';

export interface TfjsExecutorOptions {
  /**
   * XNNPACK threads of the wasm backend, for the whole process (the first executor's count holds).
   * TF.js 4.22 runs wasm single-threaded in Node whatever this says (see `tfjs-loader.ts`).
   */
  threads?: number;
  /** Largest bundle `prepare` reads, in bytes (default 256 MiB; the JSON must fit one V8 string). */
  maxModelBytes?: number;
}

/** Default largest bundle: 256 MiB of JSON, about 190 MiB of weights. */
export const DEFAULT_MAX_MODEL_BYTES = 256 * 1024 * 1024;

/** A loaded model: answers `predict` and `train` requests as JSON (RunRequest's stdin) or directly (`answer`). */
export interface TfjsTask extends PreparedTask<RunRequest, RunResult> {
  /** The backend TF.js computes on: `wasm`, or `cpu` where wasm cannot start. */
  readonly backend: TfjsBackendName;
  readonly format: ModelFormat;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  answer(request: TfjsRequest, options?: RunOptions): Promise<TfjsAnswer>;
}

export interface TfjsExecutor extends Executor<RunRequest, RunResult, string> {
  /** Loads an `idlegrid-tfjs/1` bundle; any other file fails with INVALID_ARGUMENT (TFJS_MODEL_INVALID). */
  prepare(modelPath: string, options?: PrepareOptions): Promise<TfjsTask>;
  /** The backend TF.js computes on in this process (starting it if need be). */
  backend(): Promise<TfjsBackendName>;
}

/** The `tfjs` runtime: TF.js models in `idlegrid-tfjs/1` bundles, on the wasm backend (else cpu). */
export function createTfjsExecutor(options: TfjsExecutorOptions = {}): TfjsExecutor {
  const { threads, maxModelBytes = DEFAULT_MAX_MODEL_BYTES } = options;
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 1 || threads > 256)) {
    throw requestInvalid('tfjs threads must be an integer from 1 to 256', { details: { threads } });
  }
  if (!Number.isSafeInteger(maxModelBytes) || maxModelBytes < 1) {
    throw requestInvalid('maxModelBytes must be a positive integer', { details: { maxModelBytes } });
  }
  const runtime = () => loadTfjs(threads === undefined ? {} : { threads });
  return {
    runtime: 'tfjs',
    backend: async () => (await runtime()).backend,
    async prepare(modelPath, { signal } = {}) {
      const tfjs = await runtime();
      if (signal?.aborted) throw aborted('tfjs prepare', signal);
      const bytes = await readBundle(modelPath, maxModelBytes);
      const artifacts = artifactsOf(decodeBundle(bytes));
      const loaded = await loadArtifacts(artifacts);
      if (signal?.aborted) {
        loaded.model.dispose();
        throw aborted('tfjs prepare', signal);
      }
      return modelTask(tfjs, loaded.format === 'layers-model' ? artifacts : undefined, loaded);
    },
  };
}

async function readBundle(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch (cause) {
    throw modelInvalid(`cannot read the model bundle ${path}: ${messageOf(cause)}`, { cause });
  }
  if (size > maxBytes) {
    throw modelInvalid(`the model bundle is ${size} bytes, over the ${maxBytes} byte limit`, {
      details: { bytes: size, maxBytes },
    });
  }
  return readFile(path);
}

function modelTask(
  tfjs: TfjsRuntime,
  artifacts: io.ModelArtifacts | undefined,
  loaded: Awaited<ReturnType<typeof loadArtifacts>>,
): TfjsTask {
  const { tf } = tfjs;
  const signature: ModelSignature = signatureOf(loaded);
  let disposed = false;

  async function answer(request: TfjsRequest, runOptions: RunOptions = {}): Promise<TfjsAnswer> {
    if (disposed) throw requestInvalid('the tfjs task has been disposed');
    const limits = resolveLimits(DEFAULT_LIMITS, runOptions.limits);
    const deadline = new Deadline(limits.wallTimeMs, runOptions.signal);
    if (request.kind === 'predict') return predict(tf, loaded, signature, request, deadline);
    if (!artifacts) throw requestInvalid('a graph model cannot be trained: training needs a layers model');
    return train(tf, artifacts, request, deadline);
  }

  return {
    backend: tfjs.backend,
    format: loaded.format,
    inputs: signature.inputs,
    outputs: signature.outputs,
    answer,
    async run(request, runOptions = {}) {
      const started = performance.now();
      const limits = resolveLimits(DEFAULT_LIMITS, runOptions.limits);
      const result = await answer(parseRequest(request.stdin), runOptions);
      return jsonRunResult(result, limits, performance.now() - started, outputTooLarge);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      loaded.model.dispose();
    },
  };
}

/** A tfjs job's request from its first input (stdin), checked against the schema. */
export function parseRequest(stdin: Uint8Array | undefined): TfjsRequest {
  return parseJsonRequest('tfjs', tfjsRequestSchema, stdin, requestInvalid);
}
