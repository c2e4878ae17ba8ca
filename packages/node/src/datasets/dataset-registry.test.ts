import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_FORMAT } from './dataset-format.js';
import { DatasetRegistry } from './dataset-registry.js';

let root: string;

/** A dataset directory of 2x2 records labelled a or b; `manifest` overrides fields of its manifest. */
async function dataset(
  name: string,
  records: { x: number[]; y: string }[],
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      format: DATASET_FORMAT,
      count: records.length,
      shape: [2, 2],
      labels: ['a', 'b'],
      ...manifest,
    }),
  );
  await writeFile(join(dir, 'records.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return dir;
}

const good = [
  { x: [0, 1, 2, 3], y: 'a' },
  { x: [4, 5, 6, 7], y: 'b' },
  { x: [8, 9, 10, 11], y: 'a' },
];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: unknown) =>
      isIdlegridError(error)
        ? `${error.code}${error.details.line ? `@${error.details.line}` : ''}`
        : String(error),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'idlegrid-datasets-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('local datasets', () => {
  it('registers a checked dataset by name, count and shape, which every instance on the data directory sees', async () => {
    const dataDir = join(root, 'data');
    const registry = await DatasetRegistry.open(dataDir);
    const added = await registry.add(await dataset('good', good), 'tiny');
    expect(added).toMatchObject({ name: 'tiny', count: 3, shape: [2, 2], labels: ['a', 'b'] });
    expect(registry.listings()).toEqual(['tiny:3:2x2']);
    // A provider already running on the directory picks it up on its next reload.
    const other = await DatasetRegistry.open(dataDir);
    expect(other.listings()).toEqual(['tiny:3:2x2']);
    await registry.remove('tiny');
    expect(await other.reload()).toBe(true);
    expect(other.listings()).toEqual([]);
    expect(await codeOf(registry.remove('tiny'))).toBe('DATASET_NOT_FOUND');
  });

  it('refuses what is no dataset, saying which record is at fault', async () => {
    const registry = await DatasetRegistry.open(join(root, 'data-2'));
    const add = async (dir: string, name = 'x') => codeOf(registry.add(dir, name));
    expect(await add(join(root, 'nowhere'))).toBe('DATASET_INVALID');
    expect(await add(await dataset('short', [good[0]!, { x: [1, 2, 3], y: 'a' }]))).toBe('DATASET_INVALID@2');
    expect(await add(await dataset('label', [good[0]!, good[1]!, { x: [1, 2, 3, 4], y: 'c' }]))).toBe(
      'DATASET_INVALID@3',
    );
    expect(await add(await dataset('count', good, { count: 4 }))).toBe('DATASET_INVALID');
    expect(await add(await dataset('format', good, { format: 'csv' }))).toBe('DATASET_INVALID');
    expect(await add(await dataset('name', good), 'with:colon')).toBe('INVALID_ARGUMENT');
    expect(registry.list()).toEqual([]);
  });
});
