import { link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError, type JobSpec } from '@idlegrid/protocol';
import { formatModelListing, isModelRuntime } from '../market/model-listing.js';
import type { PreparedTask } from '../runtimes/api.js';
import { llmRuntimeAvailable } from '../runtimes/llm/llama-loader.js';
import { createLlmExecutor, type LlmExecutor } from '../runtimes/llm/llm-executor.js';
import { OCR_MODEL_NAME, ocrModelCid } from '../runtimes/onnx/ocr-model-id.js';
import { createOnnxExecutor, type OcrTask, type OnnxExecutor } from '../runtimes/onnx/onnx-executor.js';
import { onnxRuntimeInstalled } from '../runtimes/onnx/onnx-loader.js';
import { createWasmExecutor, type WasmExecutor } from '../runtimes/wasm/wasm-executor.js';
import type { ModelRegistry } from './model-registry.js';
import { PreparedTaskCache } from './prepared-tasks.js';

export interface RuntimeSetOptions {
  /** Where wasm runs get their private directories; model files the client shipped get one each beside it. */
  scratchParent: string;
  maxIdleWorkers: number;
  /** Models this machine serves; `llm` is offered only where a GGUF is registered. */
  models?: ModelRegistry;
  /** Loaded models kept at once, per runtime (each holds its weights in memory). */
  loadedModels?: number;
  /** Model runtimes to leave out even where they load (a coordinator's canary runner needs none). */
  withoutModels?: boolean;
}

/** How a job's artifacts reach the runtime: bytes of a module, the file of a model. */
export interface ArtifactAccess {
  bytes(cid: string, signal: AbortSignal): Promise<Uint8Array>;
  /** The artifact's file in the local cache, fetched first if it is not there. */
  file(cid: string, signal: AbortSignal): Promise<string>;
}

/**
 * The runtimes one provider runs, each with its cache of prepared tasks by CID: wasm always;
 * `onnx` where onnxruntime-node loads (with the built-in PP-OCRv4 models, listed as
 * `onnx:pp-ocrv4@<cid>`); `llm` where node-llama-cpp loads and a GGUF model is registered.
 * A model the provider holds is read in place; a model the client shipped is fetched, cached
 * and, for onnx, linked into a folder of its own, since an ONNX file may read external data
 * from beside it and must find nothing else there.
 */
export class RuntimeSet {
  readonly #wasm: WasmExecutor;
  readonly #wasmTasks: PreparedTaskCache;
  readonly #llm: LlmExecutor | undefined;
  readonly #llmTasks: PreparedTaskCache<string> | undefined;
  readonly #onnx: OnnxExecutor | undefined;
  readonly #onnxTasks: PreparedTaskCache<string> | undefined;
  #ocr: Promise<OcrTask> | undefined;

  private constructor(
    private readonly options: RuntimeSetOptions,
    llm: boolean,
    onnx: boolean,
    private readonly ocrCid: string | undefined,
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
    if (onnx) {
      this.#onnx = createOnnxExecutor();
      this.#onnxTasks = new PreparedTaskCache(this.#onnx, options.loadedModels ?? 4);
    }
  }

  static async create(options: RuntimeSetOptions): Promise<RuntimeSet> {
    if (options.withoutModels) return new RuntimeSet(options, false, false, undefined);
    const wantsLlm = options.models?.list().some((model) => model.runtime === 'llm') ?? false;
    const onnx = onnxRuntimeInstalled();
    const llm = wantsLlm && (await llmRuntimeAvailable());
    const ocrCid = onnx ? await ocrModelCid().catch(() => undefined) : undefined;
    return new RuntimeSet(options, llm, onnx, ocrCid);
  }

  /** The runtimes to offer. */
  names(): string[] {
    return ['wasm', ...(this.#llm ? ['llm'] : []), ...(this.#onnx ? ['onnx'] : [])];
  }

  /** The models to list in offers: the registered ones this set runs, and the built-in OCR models. */
  listings(): string[] {
    const offered = this.names();
    const registered = (this.options.models?.list() ?? []).filter((model) => offered.includes(model.runtime));
    return [
      ...registered.map((model) => formatModelListing(model)),
      ...(this.ocrCid
        ? [formatModelListing({ runtime: 'onnx', name: OCR_MODEL_NAME, cid: this.ocrCid })]
        : []),
    ];
  }

  async task(spec: JobSpec, artifacts: ArtifactAccess, signal: AbortSignal): Promise<PreparedTask> {
    const cid = spec.moduleCid;
    if (spec.runtime === 'wasm') return this.#wasmTasks.get(cid, () => artifacts.bytes(cid, signal), signal);
    const held = this.options.models?.byCid(cid);
    const heldPath = held ? () => this.options.models!.pathOf(held) : undefined;
    if (spec.runtime === 'llm' && this.#llmTasks) {
      return this.#llmTasks.get(cid, heldPath ?? (() => artifacts.file(cid, signal)), signal);
    }
    if (spec.runtime === 'onnx' && this.#onnx && this.#onnxTasks) {
      if (cid === this.ocrCid) {
        this.#ocr ??= this.#onnx.prepareOcr().catch((error: unknown) => {
          this.#ocr = undefined;
          throw error;
        });
        return this.#ocr;
      }
      return this.#onnxTasks.get(cid, heldPath ?? (() => this.#isolated(cid, artifacts, signal)), signal);
    }
    throw new IdlegridError('RUNTIME_UNSUPPORTED', `this provider does not run ${spec.runtime} jobs`, {
      details: { runtime: spec.runtime, offered: this.names(), model: isModelRuntime(spec.runtime) },
    });
  }

  /** A shipped ONNX model, linked alone into `models/<cid>/model.onnx` beside the scratch folder. */
  async #isolated(cid: string, artifacts: ArtifactAccess, signal: AbortSignal): Promise<string> {
    const cached = await artifacts.file(cid, signal);
    const dir = join(this.options.scratchParent, '..', 'models', cid);
    const path = join(dir, 'model.onnx');
    await mkdir(dir, { recursive: true });
    await link(cached, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return path;
  }

  async close(): Promise<void> {
    await this.#wasmTasks.clear();
    await this.#llmTasks?.clear();
    await this.#onnxTasks?.clear();
    await (await this.#ocr?.catch(() => undefined))?.dispose();
    await this.#wasm.close();
  }
}
