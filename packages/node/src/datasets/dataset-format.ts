import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IdlegridError } from '@idlegrid/protocol';
import { z } from 'zod';

/**
 * A local dataset (docs/datasets.md): a directory holding `manifest.json` and `records.jsonl`.
 *   manifest.json  { "format": "idlegrid-records/1", "count": N, "shape": [28, 28], "labels": ["0", ...] }
 *   records.jsonl  one record a line: { "x": [numbers, shape's product of them, row-major], "y": "label" }
 * Its bytes never leave the machine: offers name it with its count and shape only.
 */
export const DATASET_FORMAT = 'idlegrid-records/1';

export const datasetManifestSchema = z.strictObject({
  format: z.literal(DATASET_FORMAT),
  count: z.number().int().positive(),
  shape: z.array(z.number().int().positive()).min(1).max(8),
  labels: z.array(z.string().min(1).max(64)).min(1).max(10_000),
});

export type DatasetManifest = z.output<typeof datasetManifestSchema>;

const recordSchema = z.object({ x: z.array(z.number()), y: z.string() });

function invalid(dir: string, why: string, details: Record<string, unknown> = {}): IdlegridError {
  return new IdlegridError('DATASET_INVALID', `${dir}: ${why}`, { details: { dir, ...details } });
}

/**
 * Reads and checks a dataset directory: the manifest, and every record against it (the count, each
 * record's feature count, each label). DATASET_INVALID with the line at fault otherwise.
 */
export async function checkDataset(dir: string): Promise<DatasetManifest & { bytes: number }> {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => {
    throw invalid(dir, 'no manifest.json (see docs/datasets.md)');
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(dir, 'manifest.json is not JSON');
  }
  const parsed = datasetManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(dir, `manifest.json: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const manifest = parsed.data;
  const features = manifest.shape.reduce((product, size) => product * size, 1);
  const labels = new Set(manifest.labels);
  let count = 0;
  let bytes = 0;
  const lines = createInterface({ input: createReadStream(join(dir, 'records.jsonl')), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      bytes += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      count++;
      let record: z.output<typeof recordSchema>;
      try {
        record = recordSchema.parse(JSON.parse(line));
      } catch {
        throw invalid(dir, `records.jsonl line ${count} is no { x, y } record`, { line: count });
      }
      if (record.x.length !== features)
        throw invalid(dir, `record ${count} has ${record.x.length} features, not ${features}`, {
          line: count,
        });
      if (!labels.has(record.y))
        throw invalid(dir, `record ${count} has label "${record.y}", not one of the manifest's`, {
          line: count,
        });
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw invalid(dir, 'no records.jsonl');
    throw error;
  }
  if (count !== manifest.count)
    throw invalid(dir, `records.jsonl holds ${count} records, the manifest says ${manifest.count}`);
  return { ...manifest, bytes };
}

/** A dataset's name: letters, digits, `.`, `_` and `-` (an offer's listing separates its parts with `:`). */
export function checkDatasetName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `dataset name ${JSON.stringify(name)} must be 1-64 letters, digits and . _ -, starting with a letter or digit`,
    );
  return name;
}

/** How an offer names a dataset: `name:count:shape`, e.g. `digits:1797:8x8`. Never its content. */
export function datasetListing(dataset: { name: string; count: number; shape: readonly number[] }): string {
  return `${dataset.name}:${dataset.count}:${dataset.shape.join('x')}`;
}
