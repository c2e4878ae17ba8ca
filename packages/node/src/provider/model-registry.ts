import { open, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { z } from 'zod';
import { WatchedJsonFile } from '../config/watched-json-file.js';
import {
  checkModelName,
  MODEL_RUNTIMES,
  type ModelListing,
  type ModelRuntime,
} from '../market/model-listing.js';
import { hashFile } from '../storage/file-cid.js';

/** A model file this machine serves, registered by `idlegrid model add`. */
export interface RegisteredModel extends ModelListing {
  /** Absolute path of the file; it is read in place, never copied. */
  path: string;
  bytes: number;
  addedAt: string;
}

const fileSchema = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      runtime: z.enum(MODEL_RUNTIMES),
      cid: z.string(),
      path: z.string(),
      bytes: z.number().int().nonnegative(),
      addedAt: z.string(),
    }),
  ),
});

/**
 * The models of one data directory (`DATA_DIR/models.json`): name, runtime, content hash and
 * path. Every provider started on that directory serves them and lists them in its offer. A
 * model is hashed once, when added; a file changed afterwards is refused when it is loaded
 * (its size no longer matches), so a provider never serves other weights than it advertises.
 */
export class ModelRegistry {
  private constructor(
    private readonly file: WatchedJsonFile<z.output<typeof fileSchema>>,
    private models: RegisteredModel[],
  ) {}

  static async open(dataDir: string): Promise<ModelRegistry> {
    const file = new WatchedJsonFile(
      join(dataDir, 'models.json'),
      fileSchema,
      { models: [] },
      'a model list',
    );
    const registry = new ModelRegistry(file, []);
    await registry.reload();
    return registry;
  }

  /**
   * Reads the file again if it changed since it was last read (another process ran
   * `idlegrid model add`): a running provider then offers the new list. True when it changed.
   */
  async reload(): Promise<boolean> {
    const content = await this.file.readIfChanged();
    if (!content) return false;
    this.models = content.models;
    return true;
  }

  list(): readonly RegisteredModel[] {
    return this.models;
  }

  byCid(cid: string): RegisteredModel | undefined {
    return this.models.find((model) => model.cid === cid);
  }

  /** Hashes the file and registers it under `name`, replacing a model of that name. */
  async add(path: string, name: string): Promise<RegisteredModel> {
    checkModelName(name);
    const absolute = resolve(path);
    const runtime = await modelRuntimeOf(absolute);
    const { cid, bytes } = await hashFile(absolute);
    const model: RegisteredModel = {
      name,
      runtime,
      cid,
      path: absolute,
      bytes,
      addedAt: new Date().toISOString(),
    };
    this.models = [...this.models.filter((m) => m.name !== name), model];
    await this.#save();
    return model;
  }

  async remove(name: string): Promise<void> {
    if (!this.models.some((m) => m.name === name)) {
      throw new IdlegridError('MODEL_NOT_FOUND', `no model named ${name}`, { details: { name } });
    }
    this.models = this.models.filter((m) => m.name !== name);
    await this.#save();
  }

  /** The model's path, once its file still has the size it was hashed at. */
  async pathOf(model: RegisteredModel): Promise<string> {
    const size = await stat(model.path).then(
      (info) => info.size,
      () => -1,
    );
    if (size !== model.bytes) {
      throw new IdlegridError(
        'MODEL_NOT_FOUND',
        `model ${model.name} changed or vanished since it was added; add it again`,
        { details: { name: model.name, path: model.path } },
      );
    }
    return model.path;
  }

  async #save(): Promise<void> {
    await this.file.write({ models: this.models });
  }
}

/**
 * Which runtime serves a model file: GGUF files start with the magic `GGUF` (llm); TF.js bundles
 * are JSON starting with their format (`{"format":"idlegrid-tfjs/1"`); ONNX (protobuf) and
 * fastText (`.ftz`, `.bin`) files are known by their extension.
 */
export async function modelRuntimeOf(path: string): Promise<ModelRuntime> {
  const handle = await open(path).catch((cause: unknown) => {
    throw new IdlegridError('INVALID_ARGUMENT', `cannot read model file ${path}`, { cause });
  });
  let head: string;
  try {
    const bytes = Buffer.alloc(64);
    const { bytesRead } = await handle.read(bytes, 0, 64, 0);
    head = bytes.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
  if (head.startsWith('GGUF')) return 'llm';
  if (/^\{\s*"format"\s*:\s*"idlegrid-tfjs\/1"/.test(head)) return 'tfjs';
  const extension = extname(path).toLowerCase();
  if (extension === '.onnx') return 'onnx';
  if (extension === '.ftz' || extension === '.bin') return 'fasttext';
  throw new IdlegridError(
    'MODEL_FORMAT_UNKNOWN',
    `${path} is no GGUF, ONNX (.onnx), TF.js bundle or fastText (.ftz, .bin) model`,
    { details: { path } },
  );
}
