import { IdlegridError, type JobSpec } from '@idlegrid/protocol';
import { isModelRuntime } from '../market/model-listing.js';
import type { PreparedTask } from '../runtimes/api.js';
import { llmRuntimeAvailable } from '../runtimes/llm/llama-loader.js';
import { createLlmExecutor, type LlmExecutor } from '../runtimes/llm/llm-executor.js';
import { createWasmExecutor, type WasmExecutor } from '../runtimes/wasm/wasm-executor.js';
import type { ModelRegistry } from './model-registry.js';
import { PreparedTaskCache } from './prepared-tasks.js';

export interface RuntimeSetOptions {
  /** Where wasm runs get their private directories. */
  scratchParent: string;
  maxIdleWorkers: number;
  /** Models this machine serves; model runtimes are offered only where one is registered. */
  models?: ModelRegistry;
  /** Loaded models kept at once (each holds its weights in memory). */
  loadedModels?: number;
}

/** How a job's artifacts reach the runtime: bytes of a module, the file of a model. */
export interface ArtifactAccess {
  bytes(cid: string, signal: AbortSignal): Promise<Uint8Array>;
  /** The artifact's file in the local cache, fetched first if it is not there. */
  file(cid: string, signal: AbortSignal): Promise<string>;
}

/**
 * The runtimes one provider runs, each with its cache of prepared tasks by CID: wasm always,
 * `llm` where node-llama-cpp loads here and a GGUF model is registered. A model the provider
 * holds is read in place; a model the client shipped with the job is fetched and cached.
 */
export class RuntimeSet {
  readonly #wasm: WasmExecutor;
  readonly #wasmTasks: PreparedTaskCache;
  readonly #llm: LlmExecutor | undefined;
  readonly #llmTasks: PreparedTaskCache<string> | undefined;

  private constructor(
    private readonly options: RuntimeSetOptions,
    llm: boolean,
  ) {
    this.#wasm = createWasmExecutor({
      scratchParent: options.scratchParent,
      maxIdleWorkers: options.maxIdleWorkers,
    });
    this.#wasmTasks = new PreparedTaskCache(this.#wasm);
    if (llm) {
      this.#llm = createLlmExecutor();
      this.#llmTasks = new PreparedTaskCache(this.#llm, options.loadedModels ?? 2);
    }
  }

  static async create(options: RuntimeSetOptions): Promise<RuntimeSet> {
    const wantsLlm = options.models?.list().some((model) => model.runtime === 'llm') ?? false;
    return new RuntimeSet(options, wantsLlm && (await llmRuntimeAvailable()));
  }

  /** The runtimes to offer. */
  names(): string[] {
    return this.#llm ? ['wasm', 'llm'] : ['wasm'];
  }

  /** The device the llm runtime computes on (`cuda`, `vulkan`, `metal`), or undefined for none/CPU. */
  async accelerator(): Promise<string | undefined> {
    return (await this.#llm?.device()) || undefined;
  }

  async task(spec: JobSpec, artifacts: ArtifactAccess, signal: AbortSignal): Promise<PreparedTask> {
    const cid = spec.moduleCid;
    if (spec.runtime === 'wasm') return this.#wasmTasks.get(cid, () => artifacts.bytes(cid, signal), signal);
    if (spec.runtime === 'llm' && this.#llmTasks) {
      const held = this.options.models?.byCid(cid);
      const path = () => (held ? this.options.models!.pathOf(held) : artifacts.file(cid, signal));
      return this.#llmTasks.get(cid, path, signal);
    }
    throw new IdlegridError('RUNTIME_UNSUPPORTED', `this provider does not run ${spec.runtime} jobs`, {
      details: { runtime: spec.runtime, offered: this.names(), model: isModelRuntime(spec.runtime) },
    });
  }

  async close(): Promise<void> {
    await this.#wasmTasks.clear();
    await this.#llmTasks?.clear();
    await this.#wasm.close();
  }
}
