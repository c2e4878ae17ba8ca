import { link, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { IdlegridError, type JobSpec } from '@idlegrid/protocol';
import { formatModelListing, isModelRuntime } from '../market/model-listing.js';
import type { PreparedTask } from '../runtimes/api.js';
import { createLanguageIdTask, type LanguageIdTask } from '../runtimes/fasttext/language-id.js';
import { LANGUAGE_ID_MODEL_NAME, languageIdModelCid } from '../runtimes/fasttext/language-id-model.js';
import { llmRuntimeAvailable } from '../runtimes/llm/llama-loader.js';
import { createLlmExecutor, type LlmExecutor } from '../runtimes/llm/llm-executor.js';
import { OCR_MODEL_NAME, ocrModelCid } from '../runtimes/onnx/ocr-model-id.js';
import { createOnnxExecutor, type OcrTask, type OnnxExecutor } from '../runtimes/onnx/onnx-executor.js';
import { createTfjsExecutor, type TfjsExecutor } from '../runtimes/tfjs/tfjs-executor.js';
import { createWasmExecutor, type WasmExecutor } from '../runtimes/wasm/wasm-executor.js';
import type { FileHasher } from '../storage/file-cid-cache.js';
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
  /** How the built-in models' files are hashed to name them (a provider remembers their CIDs). */
  hashFile?: FileHasher;
}

/** How a job's artifacts reach the runtime: bytes of a module, the file of a model. */
export interface ArtifactAccess {
  bytes(cid: string, signal: AbortSignal): Promise<Uint8Array>;
  /** The artifact's file in the local cache, fetched first if it is not there. */
  file(cid: string, signal: AbortSignal): Promise<string>;
}

/**
 * The runtimes one provider runs, each with its cache of prepared tasks by CID: wasm always;
 * `onnx` where onnxruntime-node is installed (with the built-in PP-OCRv4 models, listed as
 * `onnx:pp-ocrv4@<cid>`); `fasttext` where fasttext.wasm.js is (with its language-ID model,
 * `fasttext:lid.176@<cid>`); `tfjs` where TensorFlow.js is; `llm` where node-llama-cpp loads
 * and a GGUF model is registered. Model libraries load on the first job that needs them.
 * A model the provider holds is read in place; a model the client shipped is fetched, cached
 * and, for onnx, linked into a folder of its own, since an ONNX file may read external data
 * from beside it and must find nothing else there.
 */
export class RuntimeSet {
  readonly #wasm: WasmExecutor;
  readonly #wasmTasks: PreparedTaskCache;
  #llm: LlmExecutor | undefined;
  #llmTasks: PreparedTaskCache<string> | undefined;
  readonly #onnx: OnnxExecutor | undefined;
  readonly #onnxTasks: PreparedTaskCache<string> | undefined;
  readonly #tfjs: TfjsExecutor | undefined;
  readonly #tfjsTasks: PreparedTaskCache<string> | undefined;
  readonly #fasttext: boolean;
  /** Built-in models (OCR, language ID), loaded once on first use. */
  readonly #builtins = new Map<string, Promise<OcrTask | LanguageIdTask>>();

  private constructor(
    private readonly options: RuntimeSetOptions,
    found: { llm: boolean; onnx: boolean; tfjs: boolean; fasttext: boolean },
    private readonly builtin: { ocr?: string; languageId?: string },
  ) {
    const { onnx } = found;
    this.#wasm = createWasmExecutor({
      scratchParent: options.scratchParent,
      maxIdleWorkers: options.maxIdleWorkers,
    });
    this.#wasmTasks = new PreparedTaskCache(this.#wasm);
    if (found.llm) this.#enableLlm();
    if (onnx) {
      this.#onnx = createOnnxExecutor();
      this.#onnxTasks = new PreparedTaskCache(this.#onnx, options.loadedModels ?? 4);
    }
    if (found.tfjs) {
      this.#tfjs = createTfjsExecutor();
      this.#tfjsTasks = new PreparedTaskCache(this.#tfjs, options.loadedModels ?? 4);
    }
    this.#fasttext = found.fasttext;
  }

  static async create(options: RuntimeSetOptions): Promise<RuntimeSet> {
    const none = { llm: false, onnx: false, tfjs: false, fasttext: false };
    if (options.withoutModels) return new RuntimeSet(options, none, {});
    const wantsLlm = options.models?.list().some((model) => model.runtime === 'llm') ?? false;
    const found = {
      llm: wantsLlm && (await llmRuntimeAvailable()),
      onnx: installed('onnxruntime-node'),
      tfjs: installed('@tensorflow/tfjs') && installed('@tensorflow/tfjs-backend-wasm'),
      fasttext: installed('fasttext.wasm.js'),
    };
    const [ocr, languageId] = await Promise.all([
      found.onnx ? ocrModelCid(undefined, options.hashFile).catch(() => undefined) : undefined,
      found.fasttext ? languageIdModelCid(undefined, options.hashFile).catch(() => undefined) : undefined,
    ]);
    return new RuntimeSet(options, found, { ...(ocr ? { ocr } : {}), ...(languageId ? { languageId } : {}) });
  }

  #enableLlm(): void {
    this.#llm = createLlmExecutor();
    this.#llmTasks = new PreparedTaskCache(this.#llm, this.options.loadedModels ?? 2);
  }

  /** After the model list changed: a first GGUF registered turns the llm runtime on, where it loads. */
  async refresh(): Promise<void> {
    const wantsLlm = this.options.models?.list().some((model) => model.runtime === 'llm') ?? false;
    if (wantsLlm && !this.#llm && (await llmRuntimeAvailable())) this.#enableLlm();
  }

  /** The runtimes to offer. */
  names(): string[] {
    return [
      'wasm',
      ...(this.#llm ? ['llm'] : []),
      ...(this.#onnx ? ['onnx'] : []),
      ...(this.#tfjs ? ['tfjs'] : []),
      ...(this.#fasttext ? ['fasttext'] : []),
    ];
  }

  /** The models to list in offers: the registered ones this set runs, and the built-in ones (OCR, language ID). */
  listings(): string[] {
    const offered = this.names();
    const registered = (this.options.models?.list() ?? []).filter((model) => offered.includes(model.runtime));
    const { ocr, languageId } = this.builtin;
    return [
      ...registered.map((model) => formatModelListing(model)),
      ...(ocr ? [formatModelListing({ runtime: 'onnx', name: OCR_MODEL_NAME, cid: ocr })] : []),
      ...(languageId
        ? [formatModelListing({ runtime: 'fasttext', name: LANGUAGE_ID_MODEL_NAME, cid: languageId })]
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
      const onnx = this.#onnx;
      if (cid === this.builtin.ocr) return this.#builtin(cid, () => onnx.prepareOcr());
      return this.#onnxTasks.get(
        cid,
        heldPath ?? (() => this.#isolated(cid, 'model.onnx', artifacts, signal)),
        signal,
      );
    }
    if (spec.runtime === 'tfjs' && this.#tfjsTasks) {
      return this.#tfjsTasks.get(cid, heldPath ?? (() => artifacts.file(cid, signal)), signal);
    }
    if (spec.runtime === 'fasttext' && this.#fasttext) {
      if (cid === this.builtin.languageId) return this.#builtin(cid, () => createLanguageIdTask());
      const path = heldPath ?? (() => artifacts.file(cid, signal));
      return this.#builtin(cid, async () => createLanguageIdTask({ modelPath: await path() }));
    }
    throw new IdlegridError('RUNTIME_UNSUPPORTED', `this provider does not run ${spec.runtime} jobs`, {
      details: { runtime: spec.runtime, offered: this.names(), model: isModelRuntime(spec.runtime) },
    });
  }

  /** A task loaded once and kept (built-in models, fastText models: small, and loaded per process). */
  #builtin(cid: string, load: () => Promise<OcrTask | LanguageIdTask>): Promise<PreparedTask> {
    let task = this.#builtins.get(cid);
    if (!task) {
      task = load();
      this.#builtins.set(cid, task);
      task.catch(() => this.#builtins.delete(cid));
    }
    return task;
  }

  /** A shipped model file, linked alone into `models/<cid>/<name>` beside the scratch folder. */
  async #isolated(
    cid: string,
    name: string,
    artifacts: ArtifactAccess,
    signal: AbortSignal,
  ): Promise<string> {
    const cached = await artifacts.file(cid, signal);
    const dir = join(this.options.scratchParent, '..', 'models', cid);
    const path = join(dir, name);
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
    await this.#tfjsTasks?.clear();
    const builtins = [...this.#builtins.values()];
    this.#builtins.clear();
    await Promise.all(builtins.map((task) => task.then((t) => t.dispose()).catch(() => {})));
    await this.#wasm.close();
  }
}

/**
 * Whether a package resolves, without loading it: model libraries load on the first job that
 * needs them (onnxruntime takes about half a second), and fail it with RUNTIME_UNAVAILABLE if
 * they cannot, which a provider's start should not wait for.
 */
function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}
