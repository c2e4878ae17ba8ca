import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { DatasetArrays } from '../fl/dataset-arrays.js';
import { DATASET_FORMAT, type DatasetManifest } from './dataset-format.js';

/** Writes the chosen records (all by default) as a dataset directory (docs/datasets.md). */
export async function writeDataset(
  dir: string,
  arrays: DatasetArrays,
  indices: readonly number[] = Array.from(arrays.labelIndex.keys()),
): Promise<DatasetManifest> {
  await mkdir(dir, { recursive: true });
  const features = arrays.shape.reduce((product, size) => product * size, 1);
  const out = createWriteStream(join(dir, 'records.jsonl'));
  for (const index of indices) {
    const x = Array.from(arrays.x.subarray(index * features, (index + 1) * features), round);
    const line = `${JSON.stringify({ x, y: arrays.labels[arrays.labelIndex[index]!] })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  const manifest: DatasetManifest = {
    format: DATASET_FORMAT,
    count: indices.length,
    shape: [...arrays.shape],
    labels: [...arrays.labels],
  };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return manifest;
}

/** Float32 noise digits make the files larger, not the data better. */
const round = (value: number) => Math.round(value * 1e4) / 1e4;
