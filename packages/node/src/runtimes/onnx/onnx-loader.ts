import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { unavailable } from './errors.js';

export type OnnxDevice = 'auto' | 'cpu';

/** Where onnxruntime-node lives and what it can run on. */
export interface OnnxRuntimeInfo {
  /** The module's entry file: session workers `require` it (see `session-worker.ts`). */
  modulePath: string;
  version: string;
  /**
   * True when the CUDA execution provider's library is installed beside the binding. Its npm
   * package does not ship it: the install script downloads it unless told to skip
   * (`ONNXRUNTIME_NODE_INSTALL=skip`), and without it asking for `cuda` fails to create a session.
   */
  cuda: boolean;
}

let loaded: Promise<OnnxRuntimeInfo> | undefined;

/**
 * onnxruntime-node, imported on first use so that a node without it still starts, and checked
 * once per process. Models run in worker threads (its `run` blocks the calling thread), which load
 * the same module by path.
 */
export function loadOnnxRuntime(): Promise<OnnxRuntimeInfo> {
  loaded ??= (async () => {
    const ort = await import('onnxruntime-node');
    const modulePath = createRequire(import.meta.url).resolve('onnxruntime-node');
    // dist/index.js → bin/napi-v6/<platform>/<arch>/, where the binding and its libraries are.
    const binDir = join(dirname(modulePath), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const cudaLibrary =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return {
      modulePath,
      version: ort.env.versions.node ?? ort.env.versions.common,
      cuda: existsSync(join(binDir, cudaLibrary)),
    };
  })().catch((cause: unknown) => {
    loaded = undefined;
    throw unavailable('the onnx runtime (onnxruntime-node) is not installed or cannot load here', { cause });
  });
  return loaded;
}

/**
 * The execution-provider lists to try, in order. `auto` tries CUDA (then the CPU for the nodes it
 * lacks) where its library is installed and falls back to the CPU alone when CUDA cannot start
 * (no GPU, no CUDA libraries); without the library it goes to the CPU straight away, since
 * onnxruntime logs an error line for every failed attempt.
 */
export function providerAttempts(device: OnnxDevice, info: OnnxRuntimeInfo): string[][] {
  return device === 'auto' && info.cuda ? [['cuda', 'cpu'], ['cpu']] : [['cpu']];
}

/** True when onnxruntime-node is installed and loads here. */
export async function onnxRuntimeAvailable(): Promise<boolean> {
  return loadOnnxRuntime().then(
    () => true,
    () => false,
  );
}
