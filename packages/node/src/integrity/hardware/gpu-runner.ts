import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';
import { loadOnnxRuntime } from '../../runtimes/onnx/onnx-loader.js';
import { encodeLaneDigests, type GpuAnswer, type GpuChallenge } from './gpu-challenge.js';
import { GPU_MODULUS, GPU_WORK_SOURCE, gpuChallengeModel } from './gpu-work.js';

/**
 * One lane's worker: onnxruntime with the execution providers it was given (CUDA on a device,
 * or the CPU), a session for each product count it has seen, and the generator of gpu-work.ts.
 * Generating A and B here keeps 128 MB of matrices off the provider's main thread.
 */
const RUNNER_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.modulePath);
ort.env.logLevel = 'error';
${GPU_WORK_SOURCE}
const sessions = new Map();

function session(k, p, model) {
  const key = k + ':' + p;
  let opened = sessions.get(key);
  if (!opened) {
    opened = ort.InferenceSession.create(model, {
      executionProviders: workerData.providers,
      intraOpNumThreads: workerData.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    opened.catch(() => sessions.delete(key));
    sessions.set(key, opened);
  }
  return opened;
}

let running = Promise.resolve();

async function run({ id, seed, lane, n, k, p, model }) {
  try {
    const s = await session(k, p, model);
    const A = new Float32Array(n * n);
    const B = new Int32Array(n * n);
    for (let row = 0; row < n; row++) {
      rowOfA(seed, lane, n, row, A, row * n);
      rowOfB(seed, lane, n, p, row, B, row * n);
    }
    const out = await s.run({
      A: new ort.Tensor('float32', A, [n, n]),
      B: new ort.Tensor('int32', B, [n, n]),
      T: new ort.Tensor('float32', tables(seed, lane, k, p), [k, p]),
      W: new ort.Tensor('float32', weights(seed, lane, n), [n]),
    });
    const perProduct = Array.from({ length: k }, (_, j) => out['r' + j].data);
    const digests = new Uint32Array(n);
    for (let i = 0; i < n; i++) digests[i] = fold(perProduct, k, n, i);
    parentPort.postMessage({ id, digests }, [digests.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, message: String((error && error.message) || error) });
  }
}

// Closing waits for the runs under way: ending the thread in the middle of onnxruntime's work aborts the process.
parentPort.on('message', (message) => {
  if (message.kind === 'close') {
    void running
      .then(() => Promise.all([...sessions.values()].map((s) => s.then((one) => one.release(), () => {}))))
      .finally(() => parentPort.close());
  } else {
    running = running.then(() => run(message));
  }
});
`;

export type GpuRunnerDevice = 'cuda' | 'cpu';

export interface GpuRunnerOptions {
  /**
   * `cuda`: each lane on its own card (lane i on CUDA device i), with no CPU fallback, since a GPU
   * claim is answered by the GPU or not at all. `cpu`: every lane on the CPU, one after the other,
   * with all its cores; only the `fake-gpu` adversary answers this way.
   */
  device: GpuRunnerDevice;
  /** onnxruntime's intra-op threads on the CPU (default: 1 with CUDA; the caller's cores otherwise). */
  threads?: number;
}

interface Pending {
  resolve: (digests: Uint32Array) => void;
  reject: (error: Error) => void;
}

/** A lane's worker and the runs it owes. */
class LaneWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #models = new Set<string>();
  readonly #exited: Promise<void>;
  #nextId = 1;

  constructor(modulePath: string, providers: unknown[], threads: number) {
    this.#worker = new Worker(RUNNER_WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath, providers, threads },
      execArgv: ['--no-warnings'],
    });
    this.#worker.on('message', (message: { id: number; digests?: Uint32Array; message?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (message.digests) return pending?.resolve(message.digests);
      // The worker drops a session that failed to open: the graph must travel again next time.
      this.#models.clear();
      pending?.reject(new IdlegridError('RUNTIME_UNAVAILABLE', `GPU challenge: ${message.message}`));
    });
    this.#worker.on('error', (error) => this.#failAll(error));
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', () => {
        this.#failAll(new Error('the GPU challenge worker exited'));
        resolve();
      }),
    );
    this.#worker.unref();
  }

  run(challenge: GpuChallenge, lane: number): Promise<Uint32Array> {
    const id = this.#nextId++;
    const key = `${challenge.products}:${challenge.modulus}`;
    // The graph travels once per product count; the worker keeps its session.
    const model = this.#models.has(key)
      ? undefined
      : gpuChallengeModel(challenge.products, challenge.modulus);
    this.#models.add(key);
    this.#worker.ref();
    const { seed, products: k, modulus: p } = challenge;
    this.#worker.postMessage({ id, seed, lane, n: challenge.size, k, p, model });
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  /** Ends the worker once its runs are over (see the worker's `close`). */
  close(): Promise<void> {
    this.#worker.ref();
    this.#worker.postMessage({ kind: 'close' });
    return this.#exited;
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

function cudaProviderMissing(): IdlegridError {
  return new IdlegridError(
    'RUNTIME_UNAVAILABLE',
    "onnxruntime's CUDA provider is not installed, so GPU challenges cannot be answered and the GPU " +
      'claim will count for no GPU; install it with `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`',
  );
}

/**
 * The provider's side of a GPU challenge: runs each lane's products through onnxruntime and
 * answers with each lane's row digests. Workers start on first use (or `warm`) and keep their
 * sessions, so that only the first challenge pays for starting CUDA.
 */
export class GpuChallengeRunner {
  readonly #lanes = new Map<number, LaneWorker>();
  readonly #threads: number;

  constructor(private readonly options: GpuRunnerOptions) {
    this.#threads = options.threads ?? 1;
  }

  async #lane(lane: number): Promise<LaneWorker> {
    const index = this.options.device === 'cuda' ? lane : 0;
    let worker = this.#lanes.get(index);
    if (!worker) {
      const runtime = await loadOnnxRuntime();
      if (this.options.device === 'cuda' && !runtime.cuda) throw cudaProviderMissing();
      const providers = this.options.device === 'cuda' ? [{ name: 'cuda', deviceId: index }] : ['cpu'];
      worker = new LaneWorker(runtime.modulePath, providers, this.#threads);
      this.#lanes.set(index, worker);
    }
    return worker;
  }

  /** Opens the sessions and runs a tiny product on each of `lanes` devices, so that CUDA is up before the first challenge. */
  async warm(lanes: number, products: number): Promise<void> {
    const tiny: GpuChallenge = {
      kind: 'gpu',
      challengeId: `0x${'0'.repeat(64)}`,
      seed: `0x${'0'.repeat(64)}`,
      lanes,
      size: 8,
      products,
      modulus: GPU_MODULUS,
    };
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => (await this.#lane(lane)).run(tiny, lane)),
    );
  }

  async answer(challenge: GpuChallenge): Promise<GpuAnswer> {
    const lanes: string[] = [];
    if (this.options.device === 'cuda') {
      const digests = await Promise.all(
        Array.from({ length: challenge.lanes }, async (_, lane) =>
          (await this.#lane(lane)).run(challenge, lane),
        ),
      );
      for (const one of digests) lanes.push(encodeLaneDigests(one));
    } else {
      for (let lane = 0; lane < challenge.lanes; lane++) {
        lanes.push(encodeLaneDigests(await (await this.#lane(lane)).run(challenge, lane)));
      }
    }
    return { lanes };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#lanes.values()].map((worker) => worker.close()));
    this.#lanes.clear();
  }
}
