import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { z } from 'zod';
import { checkDataset, checkDatasetName, type DatasetManifest, datasetListing } from './dataset-format.js';

/** A dataset this machine holds, registered by `idlegrid data add`: read in place, never copied, never sent. */
export interface RegisteredDataset extends Omit<DatasetManifest, 'format'> {
  name: string;
  /** Absolute path of its directory. */
  path: string;
  bytes: number;
  addedAt: string;
}

const fileSchema = z.object({
  datasets: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      count: z.number(),
      shape: z.array(z.number()),
      labels: z.array(z.string()),
      bytes: z.number(),
      addedAt: z.string(),
    }),
  ),
});

/**
 * The datasets of one data directory (`DATA_DIR/datasets.json`). Every provider started on that
 * directory lists them in its offer, by name, record count and shape (see `listings`).
 */
export class DatasetRegistry {
  #readAt = 0;

  private constructor(
    private readonly file: string,
    private datasets: RegisteredDataset[],
  ) {}

  static async open(dataDir: string): Promise<DatasetRegistry> {
    const registry = new DatasetRegistry(join(dataDir, 'datasets.json'), []);
    await registry.reload();
    return registry;
  }

  /** Reads the file again if another process changed it (`idlegrid data add` while a provider runs); true when it did. */
  async reload(): Promise<boolean> {
    const modified = await stat(this.file).then(
      (info) => info.mtimeMs,
      () => 0,
    );
    if (modified === this.#readAt) return false;
    const text = modified === 0 ? undefined : await readFile(this.file, 'utf8').catch(() => undefined);
    const parsed =
      text === undefined
        ? { success: true as const, data: { datasets: [] } }
        : fileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new IdlegridError('CONFIG_INVALID', `${this.file} is not a dataset list`);
    this.datasets = parsed.data.datasets;
    this.#readAt = modified;
    return true;
  }

  list(): readonly RegisteredDataset[] {
    return this.datasets;
  }

  /** What offers say of the datasets: `name:count:shape` each. */
  listings(): string[] {
    return this.datasets.map(datasetListing);
  }

  /** Checks the directory (docs/datasets.md) and registers it under `name`, replacing a dataset of that name. */
  async add(dir: string, name: string): Promise<RegisteredDataset> {
    checkDatasetName(name);
    const path = resolve(dir);
    const { format: _format, ...checked } = await checkDataset(path);
    const dataset: RegisteredDataset = { name, path, ...checked, addedAt: new Date().toISOString() };
    this.datasets = [...this.datasets.filter((d) => d.name !== name), dataset];
    await this.#save();
    return dataset;
  }

  async remove(name: string): Promise<void> {
    if (!this.datasets.some((d) => d.name === name))
      throw new IdlegridError('DATASET_NOT_FOUND', `no dataset named ${name}`, { details: { name } });
    this.datasets = this.datasets.filter((d) => d.name !== name);
    await this.#save();
  }

  async #save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify({ datasets: this.datasets }, null, 2)}\n`);
    await rename(temp, this.file);
    this.#readAt = (await stat(this.file)).mtimeMs;
  }
}
