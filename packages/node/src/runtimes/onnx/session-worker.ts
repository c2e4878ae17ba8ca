import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';
import { Slots } from '../slots.js';
import { modelInvalid, runFailed, unavailable } from './errors.js';

/**
 * onnxruntime-node's `run` computes on the calling thread and blocks its event loop for the whole
 * run (the promise it returns only defers the start), so every session lives in a worker thread of
 * its own: the node keeps serving the network while a model runs, and a caller can stop waiting
 * for a run (wall-time limit, AbortSignal) even though onnxruntime cannot interrupt it.
 *
 * The worker is a CommonJS script run with `eval: true` (like the wasm runtime's): the same text
 * works from the TypeScript sources (tests) and from dist/, with no build step for a worker file.
 * It loads onnxruntime-node by the path the main thread resolved, opens one session, then runs
 * one request at a time.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.modulePath);
ort.env.logLevel = 'error';
let session;

const messageOf = (error) => String((error && error.message) || error);

async function open() {
  const failures = [];
  for (const providers of workerData.attempts) {
    try {
      session = await ort.InferenceSession.create(workerData.modelPath, {
        ...workerData.options,
        executionProviders: providers,
      });
      return { provider: providers[0], failures };
    } catch (error) {
      failures.push(providers[0] + ': ' + messageOf(error));
    }
  }
  throw new Error(failures.join('; '));
}

// Typed arrays are sent back by transferring their buffers; a view into a larger buffer is copied.
function owned(data) {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

async function run({ id, feeds, fetches }) {
  try {
    const tensors = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(t.type, t.data, t.dims);
    const started = performance.now();
    const results = fetches ? await session.run(tensors, fetches) : await session.run(tensors);
    const ms = performance.now() - started;
    const outputs = {};
    const transfer = [];
    for (const [name, tensor] of Object.entries(results)) {
      const data = Array.isArray(tensor.data) ? tensor.data : owned(tensor.data);
      if (!Array.isArray(data)) transfer.push(data.buffer);
      outputs[name] = { type: tensor.type, dims: Array.from(tensor.dims), data };
    }
    parentPort.postMessage({ kind: 'result', id, outputs, ms }, transfer);
  } catch (error) {
    parentPort.postMessage({ kind: 'error', id, message: messageOf(error) });
  }
}

parentPort.on('message', (message) => {
  if (message.kind === 'run') {
    void run(message);
  } else if (message.kind === 'close') {
    Promise.resolve(session && session.release()).finally(() => parentPort.close());
  }
});

open().then(
  ({ provider, failures }) =>
    parentPort.postMessage({
      kind: 'ready',
      provider,
      failures,
      inputs: session.inputMetadata,
      outputs: session.outputMetadata,
    }),
  (error) => parentPort.postMessage({ kind: 'failed', message: messageOf(error) }),
);
`;

/** A model input's or output's name, element type and shape; strings in a shape are named (free) dims. */
export interface ValueInfo {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | ArrayBufferView;

export interface RawTensor {
  /** onnxruntime's name of the element type: float32, int64, bool, … */
  type: string;
  dims: readonly number[];
  data: TensorData | string[];
}

export interface SessionHostOptions {
  /** onnxruntime-node's entry file (`loadOnnxRuntime().modulePath`). */
  modulePath: string;
  /** Execution-provider lists to try in order; the first that creates a session wins. */
  attempts: readonly (readonly string[])[];
  /** onnxruntime's intra-op threads (1: no thread pool at all). */
  threads: number;
}

export interface SessionRun {
  outputs: Record<string, RawTensor>;
  /** Time onnxruntime spent in `run`, in the worker. */
  runMs: number;
}

type ReadyMessage = {
  kind: 'ready';
  provider: string;
  failures: string[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
};
type WorkerMessage =
  | ReadyMessage
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; outputs: Record<string, RawTensor>; ms: number }
  | { kind: 'error'; id: number; message: string };

interface Pending {
  resolve: (run: SessionRun) => void;
  reject: (error: Error) => void;
}

/** One onnxruntime session in its own worker thread; runs one request at a time, in order. */
export class SessionHost {
  /** The execution provider the session was created with: `cuda` or `cpu`. */
  readonly provider: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Why earlier provider attempts failed (e.g. CUDA without a GPU); empty when the first worked. */
  readonly fallbacks: readonly string[];
  readonly #worker: Worker;
  /** One run at a time: onnxruntime computes on the thread that calls it. */
  readonly #turn = new Slots(1);
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  private constructor(worker: Worker, ready: ReadyMessage) {
    this.#worker = worker;
    this.provider = ready.provider;
    this.inputs = ready.inputs;
    this.outputs = ready.outputs;
    this.fallbacks = ready.failures;
    worker.on('message', (message: WorkerMessage) => this.#reply(message));
    worker.on('error', (error) =>
      this.#fail(unavailable(`the onnx worker failed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', () => this.#fail(new IdlegridError('INTERNAL', 'the onnx worker exited')));
    // An idle session must not keep the process alive; `run` references the worker while it works.
    worker.unref();
  }

  /** Starts a worker and opens the model in it; a file onnxruntime cannot load fails here. */
  static async open(
    modelPath: string,
    options: SessionHostOptions,
    signal?: AbortSignal,
  ): Promise<SessionHost> {
    signal?.throwIfAborted();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath: options.modulePath,
        modelPath,
        attempts: options.attempts,
        options: {
          intraOpNumThreads: options.threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          // Idle pool threads sleep instead of spinning: spinning threads starve a busy machine.
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        },
      },
      // Nothing reads the worker's stdio; data there would keep an idle worker referenced.
      execArgv: ['--no-warnings'],
    });
    try {
      const ready = await new Promise<ReadyMessage>((resolve, reject) => {
        const done = () => {
          signal?.removeEventListener('abort', onAbort);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        };
        const onAbort = () => {
          done();
          reject(signal?.reason);
        };
        const onMessage = (message: WorkerMessage) => {
          done();
          if (message.kind === 'ready') resolve(message);
          else if (message.kind === 'failed')
            reject(modelInvalid(`not an ONNX model onnxruntime can load: ${message.message}`));
          else reject(new IdlegridError('INTERNAL', `unexpected ${message.kind} from the onnx worker`));
        };
        const onError = (error: Error) => {
          done();
          reject(
            unavailable(`the onnx runtime cannot start in a worker: ${error.message}`, { cause: error }),
          );
        };
        const onExit = (code: number) => {
          done();
          reject(unavailable(`the onnx worker exited (code ${code}) while loading the model`));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
      return new SessionHost(worker, ready);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /**
   * Runs the model once. Waits for its turn (leaving the queue when `signal` aborts), never starts
   * once `signal` has aborted, and stops waiting for the answer when it aborts mid-run, rejecting
   * with the signal's reason; the worker takes the next request only once that run is over.
   */
  async run(
    feeds: Record<string, RawTensor>,
    fetches: readonly string[] | undefined,
    signal?: AbortSignal,
  ): Promise<SessionRun> {
    if (this.#closing) throw new IdlegridError('INVALID_ARGUMENT', 'the onnx session was disposed');
    await this.#turn.acquire(signal);
    let reply: Promise<SessionRun>;
    try {
      if (this.#failure) throw this.#failure;
      signal?.throwIfAborted();
      const id = this.#nextId++;
      reply = new Promise<SessionRun>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
      const transfer: ArrayBuffer[] = [];
      for (const tensor of Object.values(feeds)) {
        if (!Array.isArray(tensor.data) && tensor.data.buffer instanceof ArrayBuffer) {
          transfer.push(tensor.data.buffer);
        }
      }
      this.#worker.ref();
      this.#worker.postMessage({ kind: 'run', id, feeds, fetches }, transfer);
    } catch (error) {
      this.#turn.release();
      throw error;
    }
    const finished = () => {
      if (this.#pending.size === 0) this.#worker.unref();
      this.#turn.release();
    };
    reply.then(finished, finished);
    return abortable(reply, signal);
  }

  /** Ends the worker once its current run (if any) is over, releasing the session. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#failure) {
        resolve();
        return;
      }
      this.#worker.once('exit', () => resolve());
      // Referenced until it exits: a process awaiting `dispose` must not end for want of work.
      this.#worker.ref();
      this.#worker.postMessage({ kind: 'close' });
    });
    return this.#closing;
  }

  #reply(message: WorkerMessage): void {
    if (message.kind !== 'result' && message.kind !== 'error') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.kind === 'result') pending.resolve({ outputs: message.outputs, runMs: message.ms });
    else pending.reject(runFailed(`onnxruntime failed to run the model: ${message.message}`));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** `promise`, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
