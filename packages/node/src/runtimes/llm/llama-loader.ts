import { IdlegridError } from '@idlegrid/protocol';
import type { Llama } from 'node-llama-cpp';

export type LlmDevice = 'auto' | 'cpu';

const instances = new Map<LlmDevice, Promise<Llama>>();

export type LlamaBinding = typeof import('node-llama-cpp');
let binding: Promise<LlamaBinding> | undefined;

/** The node-llama-cpp module itself, for its helpers (chat wrappers, grammars). */
export function llamaBinding(): Promise<LlamaBinding> {
  binding ??= import('node-llama-cpp').catch((cause: unknown) => {
    binding = undefined;
    throw new IdlegridError('RUNTIME_UNAVAILABLE', 'the llm runtime (node-llama-cpp) is not installed', {
      cause,
    });
  });
  return binding;
}

/**
 * The llama.cpp binding, imported on first use so that a node without `node-llama-cpp`
 * still starts, and loaded once per process per device (loading takes about half a second).
 * `build: 'never'`: only prebuilt binaries; a provider never compiles or downloads at run time.
 * `auto` picks CUDA (or Vulkan/Metal) where a prebuilt binary and a GPU exist, else the CPU.
 */
export function loadLlama(device: LlmDevice = 'auto'): Promise<Llama> {
  let llama = instances.get(device);
  if (!llama) {
    llama = llamaBinding()
      .then(({ getLlama, LlamaLogLevel }) =>
        getLlama({
          gpu: device === 'cpu' ? false : 'auto',
          build: 'never',
          logLevel: LlamaLogLevel.error,
          progressLogs: false,
        }),
      )
      .catch((cause: unknown) => {
        instances.delete(device);
        throw new IdlegridError('RUNTIME_UNAVAILABLE', 'the llm runtime (node-llama-cpp) cannot load here', {
          cause,
        });
      });
    instances.set(device, llama);
  }
  return llama;
}

/** True when node-llama-cpp and a prebuilt binary for this machine are installed. */
export async function llmRuntimeAvailable(): Promise<boolean> {
  return loadLlama('cpu').then(
    () => true,
    () => false,
  );
}
