import { IdlegridError } from '@idlegrid/protocol';
import {
  DEFAULT_LIMITS,
  type Executor,
  type PreparedTask,
  type PrepareOptions,
  type ResourceLimits,
  type RunOptions,
  type RunRequest,
  type RunResult,
} from '../api.js';
import { resolveLimits } from '../limits.js';
import { capMemory, declaredMemories, WASM_PAGE_BYTES } from './module-binary.js';
import { RunDirectories } from './run-directories.js';
import { runInWorker, workerHeapMb } from './run-in-worker.js';
import { WASI_MODULE, WASI_PREVIEW1_FUNCTIONS } from './wasi-imports.js';
import { type WasmModule, wasmApi } from './webassembly.js';
import { WorkerPool } from './worker-pool.js';

/** argv[0] of every task. */
export const WASM_PROGRAM_NAME = 'module.wasm';

export interface WasmExecutorOptions {
  /** Default limits of every run; `run` options override them field by field. */
  limits?: Partial<ResourceLimits>;
  /** Where each run's private directory is made (default: the OS temp directory). */
  scratchParent?: string;
  /** The workers runs use; by default the executor makes its own, which `close` ends. */
  pool?: WorkerPool;
  /** Warm workers its own pool keeps (default: the core count); a provider keeps one per core it offers. */
  maxIdleWorkers?: number;
}

export interface WasmExecutor extends Executor {
  /** Terminates the executor's own workers, idle and busy; a pool given in the options stays. */
  close(): Promise<void>;
}

/** The `wasm` runtime: WASI preview1 commands, each run in a warm worker and its own scratch directory. */
export function createWasmExecutor(options: WasmExecutorOptions = {}): WasmExecutor {
  const defaults = resolveLimits(DEFAULT_LIMITS, options.limits);
  const pool =
    options.pool ??
    new WorkerPool(options.maxIdleWorkers === undefined ? {} : { maxIdlePerKey: options.maxIdleWorkers });
  // The first run should not pay for a thread start either.
  pool.prewarm(workerHeapMb(defaults.outputBytes));
  const directories = new RunDirectories(options.scratchParent);
  return {
    runtime: 'wasm',
    prepare: (artifact, prepareOptions) => prepareWasm(artifact, defaults, pool, directories, prepareOptions),
    close: async () => {
      if (!options.pool) await pool.close();
      directories.clear();
    },
  };
}

async function prepareWasm(
  artifact: Uint8Array,
  defaults: ResourceLimits,
  pool: WorkerPool,
  directories: RunDirectories,
  { signal }: PrepareOptions = {},
): Promise<PreparedTask> {
  if (signal?.aborted) throw new IdlegridError('ABORTED', 'wasm prepare aborted', { cause: signal.reason });
  const bytes = new Uint8Array(artifact);
  const module = await compile(bytes);
  checkImports(module);
  checkExports(module);
  const memories = declaredMemories(bytes);
  if (memories.length !== 1) throw new IdlegridError('WASM_INVALID_MODULE', 'module must define one memory');
  // One compiled module per memory cap (in pages) that runs asked for.
  const compiled = new Map<number, Promise<WasmModule>>();
  const forLimit = (limitPages: number): Promise<WasmModule> => {
    let entry = compiled.get(limitPages);
    if (!entry) {
      const patched = capMemory(bytes, limitPages);
      entry = patched === bytes ? Promise.resolve(module) : compile(patched);
      compiled.set(limitPages, entry);
    }
    return entry;
  };
  return {
    async run(request: RunRequest, runOptions: RunOptions = {}): Promise<RunResult> {
      const limits = resolveLimits(defaults, runOptions.limits);
      return runInWorker(pool, directories, {
        module: await forLimit(Math.floor(limits.memoryBytes / WASM_PAGE_BYTES)),
        args: [WASM_PROGRAM_NAME, ...(request.args ?? [])],
        env: { ...request.env },
        stdin: request.stdin ?? new Uint8Array(0),
        limits,
        signal: runOptions.signal,
      });
    },
    async dispose() {
      compiled.clear();
    },
  };
}

async function compile(bytes: Uint8Array): Promise<WasmModule> {
  try {
    return await wasmApi.compile(bytes);
  } catch (error) {
    throw new IdlegridError(
      'WASM_INVALID_MODULE',
      `invalid WebAssembly module: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function checkImports(module: WasmModule): void {
  const forbidden = wasmApi.Module.imports(module).filter(
    ({ module: from, name, kind }) =>
      from !== WASI_MODULE || kind !== 'function' || !WASI_PREVIEW1_FUNCTIONS.has(name),
  );
  if (forbidden.length > 0) {
    const imports = forbidden.map(({ module: from, name, kind }) => `${from}.${name} (${kind})`);
    throw new IdlegridError(
      'WASM_FORBIDDEN_IMPORT',
      `module imports outside WASI preview1: ${imports.join(', ')}`,
      {
        details: { imports },
      },
    );
  }
}

function checkExports(module: WasmModule): void {
  const exports = wasmApi.Module.exports(module);
  const has = (name: string, kind: string) =>
    exports.some((entry) => entry.name === name && entry.kind === kind);
  if (!has('memory', 'memory') || !has('_start', 'function')) {
    throw new IdlegridError('WASM_INVALID_MODULE', 'a WASI command must export `memory` and `_start`');
  }
}
