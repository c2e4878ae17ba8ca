import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { messageOf, unavailable } from './errors.js';

export type TfjsModule = typeof import('@tensorflow/tfjs');
export type TfjsBackendName = 'wasm' | 'cpu';

/** The three binaries of `@tensorflow/tfjs-backend-wasm`; Node loads `-simd` where SIMD validates (any current Node), else the plain one. */
export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;
export type WasmFiles = Record<(typeof WASM_BINARIES)[number], string>;

export interface TfjsLoadOptions {
  /**
   * XNNPACK threads for the wasm backend. TF.js 4.22 never runs its multithreaded wasm build in
   * Node (tensorflow/tfjs#3830), so compute is single-threaded whatever this says; it is passed on
   * for the day it is not.
   */
  threads?: number;
  /** The wasm binaries' absolute paths (default: those in the installed package; for tests). */
  wasmFiles?: WasmFiles;
}

export interface TfjsRuntime {
  readonly tf: TfjsModule;
  readonly backend: TfjsBackendName;
  /** Why the wasm backend did not start, when `backend` is `cpu`. */
  readonly wasmError?: string;
  /** Where the wasm binaries were read from (the package folder on disk; never fetched). */
  readonly wasmFiles: WasmFiles;
  /** Milliseconds to import TF.js and start its backend. */
  readonly startMs: number;
}

let runtime: Promise<TfjsRuntime> | undefined;

/**
 * TF.js, imported on first use so that a node without `@tensorflow/tfjs` still starts, with its
 * backend started once per process: `wasm` (XNNPACK, SIMD) where it starts, else the pure-JS `cpu`
 * backend (several times slower). The backend is global to the process, so the options of the
 * first call are the ones that count. The wasm binaries are read with `fs` from
 * `@tensorflow/tfjs-backend-wasm`'s folder: nothing is downloaded, ever.
 */
export function loadTfjs(options: TfjsLoadOptions = {}): Promise<TfjsRuntime> {
  runtime ??= start(options).catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** The backend TF.js computes on in this process (starting it if need be). */
export async function tfjsBackend(): Promise<TfjsBackendName> {
  return (await loadTfjs()).backend;
}

/** True when `@tensorflow/tfjs` is installed and a backend starts. */
export async function tfjsRuntimeAvailable(): Promise<boolean> {
  return loadTfjs().then(
    () => true,
    () => false,
  );
}

/** The installed package's wasm binaries, by absolute path. */
export function packagedWasmFiles(): WasmFiles {
  const require = createRequire(import.meta.url);
  const files = {} as WasmFiles;
  for (const name of WASM_BINARIES)
    files[name] = require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${name}`);
  return files;
}

async function start(options: TfjsLoadOptions): Promise<TfjsRuntime> {
  const started = performance.now();
  let tf: TfjsModule;
  try {
    tf = await import('@tensorflow/tfjs');
  } catch (cause) {
    throw unavailable('the tfjs runtime (@tensorflow/tfjs) is not installed', { cause });
  }
  let wasmFiles: WasmFiles | undefined;
  let wasmError: string | undefined;
  try {
    wasmFiles = options.wasmFiles ?? packagedWasmFiles();
    await startWasm(tf, wasmFiles, options.threads);
  } catch (error) {
    wasmError = messageOf(error);
  }
  if (wasmError !== undefined && !(await tf.setBackend('cpu'))) {
    throw unavailable(`neither TF.js backend starts (wasm: ${wasmError})`);
  }
  await tf.ready();
  // Silences TF.js's console warnings from here on (the cpu backend's "install tfjs-node" banner,
  // deprecations); a failed wasm start above has already logged why.
  tf.enableProdMode();
  return {
    tf,
    backend: wasmError === undefined ? 'wasm' : 'cpu',
    ...(wasmError === undefined ? {} : { wasmError }),
    wasmFiles: wasmFiles ?? ({} as WasmFiles),
    startMs: performance.now() - started,
  };
}

async function startWasm(tf: TfjsModule, files: WasmFiles, threads: number | undefined): Promise<void> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (cause) {
    throw new Error(`@tensorflow/tfjs-backend-wasm is not installed: ${messageOf(cause)}`);
  }
  // Emscripten aborts with a message that says nothing of the file: check it first.
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const binary = files[simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'];
  await access(binary).catch((cause: unknown) => {
    throw new Error(`the wasm binary ${binary} cannot be read: ${messageOf(cause)}`);
  });
  // Absolute paths: in Node the backend reads them with fs (no fetch; `usePlatformFetch` stays false).
  wasm.setWasmPaths(files, false);
  if (threads !== undefined) wasm.setThreadsCount(threads);
  const logged = await capturingWarnings(() => tf.setBackend('wasm'));
  if (!logged.value) {
    const why = logged.lines.find((line) => /error/i.test(line)) ?? logged.lines[0] ?? 'no reason given';
    throw new Error(`the wasm backend failed to start: ${why}`);
  }
}

/**
 * Runs `work` and keeps what it writes to console.warn and console.error (still writing it):
 * TF.js and Emscripten report why a backend fails only there.
 */
async function capturingWarnings<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const { warn, error } = console;
  const keep =
    (write: (...data: unknown[]) => void) =>
    (...data: unknown[]) => {
      lines.push(data.map(String).join(' '));
      write.apply(console, data);
    };
  console.warn = keep(warn);
  console.error = keep(error);
  try {
    return { value: await work(), lines };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
