import { join, resolve } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { z } from 'zod';
import { WatchedJsonFile } from '../config/watched-json-file.js';
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
  private constructor(
    private readonly file: WatchedJsonFile<z.output<typeof fileSchema>>,
    private datasets: RegisteredDataset[],
  ) {}

  static async open(dataDir: string): Promise<DatasetRegistry> {
    const file = new WatchedJsonFile(
      join(dataDir, 'datasets.json'),
      fileSchema,
      { datasets: [] },
      'a dataset list',
    );
    const registry = new DatasetRegistry(file, []);
    await registry.reload();
    return registry;
  }

  /** Reads the file again if another process changed it (`idlegrid data add` while a provider runs); true when it did. */
  async reload(): Promise<boolean> {
    const content = await this.file.readIfChanged();
    if (!content) return false;
    this.datasets = content.datasets;
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
    await this.file.write({ datasets: this.datasets });
    return dataset;
  }

  async remove(name: string): Promise<void> {
    if (!this.datasets.some((d) => d.name === name))
      throw new IdlegridError('DATASET_NOT_FOUND', `no dataset named ${name}`, { details: { name } });
    this.datasets = this.datasets.filter((d) => d.name !== name);
    await this.file.write({ datasets: this.datasets });
  }
}
