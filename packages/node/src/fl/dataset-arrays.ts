import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DatasetManifest } from '../datasets/dataset-format.js';

/** A dataset's records in memory, as training wants them: features row-major, labels by index. */
export interface DatasetArrays {
  /** count × features values. */
  x: Float32Array;
  /** Each record's label, as its index in `labels`. */
  labelIndex: Int32Array;
  count: number;
  /** The shape of one record. */
  shape: readonly number[];
  labels: readonly string[];
}

/**
 * Reads a dataset directory in the idlegrid-records/1 format (docs/datasets.md). The directory
 * was checked when it was registered; a record that no longer fits is skipped rather than trained
 * on wrongly.
 */
export async function readDatasetArrays(
  dir: string,
  manifest: Pick<DatasetManifest, 'count' | 'shape' | 'labels'>,
): Promise<DatasetArrays> {
  const features = manifest.shape.reduce((product, size) => product * size, 1);
  const labelOf = new Map(manifest.labels.map((label, index) => [label, index]));
  const x = new Float32Array(manifest.count * features);
  const labelIndex = new Int32Array(manifest.count);
  let count = 0;
  const lines = createInterface({ input: createReadStream(join(dir, 'records.jsonl')), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '' || count === manifest.count) continue;
    const record = JSON.parse(line) as { x?: unknown; y?: unknown };
    const label = typeof record.y === 'string' ? labelOf.get(record.y) : undefined;
    if (!Array.isArray(record.x) || record.x.length !== features || label === undefined) continue;
    x.set(record.x as number[], count * features);
    labelIndex[count] = label;
    count++;
  }
  return {
    x: x.subarray(0, count * features),
    labelIndex: labelIndex.subarray(0, count),
    count,
    shape: manifest.shape,
    labels: manifest.labels,
  };
}

/** The labels as one-hot rows (count × classes), as a classifier's loss wants them. */
export function oneHot(arrays: Pick<DatasetArrays, 'labelIndex' | 'labels'>): Float32Array {
  const classes = arrays.labels.length;
  const out = new Float32Array(arrays.labelIndex.length * classes);
  arrays.labelIndex.forEach((label, row) => {
    out[row * classes + label] = 1;
  });
  return out;
}
