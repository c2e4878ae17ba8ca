import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashFile } from './file-cid.js';
import { cachedFileHasher, type FileHasher } from './file-cid-cache.js';

describe('file CIDs remembered by stat', () => {
  let dir: string;
  let hashed: string[];
  const hash: FileHasher = (path) => {
    hashed.push(path);
    return hashFile(path);
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'idlegrid-file-cids-'));
    hashed = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hashes a file once, across processes (the cache file), and again once it changed', async () => {
    const model = join(dir, 'model.onnx');
    const other = join(dir, 'dictionary.txt');
    await writeFile(model, 'weights v1');
    await writeFile(other, 'a b c');
    const cacheFile = join(dir, 'cache', 'file-cids.json');
    // Files written just now count as settled here; the default waits 2 s (the next test)
    const first = cachedFileHasher(cacheFile, { hash, settledMs: -60_000 });
    const [model1, other1] = await Promise.all([first(model), first(other)]);
    expect(model1).toEqual(await hashFile(model));
    expect(other1).toEqual(await hashFile(other));
    expect(await first(model)).toEqual(model1);
    expect(hashed).toEqual([model, other]);

    // A new process: both entries were written (in parallel), neither is hashed again
    const second = cachedFileHasher(cacheFile, { hash, settledMs: -60_000 });
    expect(await second(model)).toEqual(model1);
    expect(await second(other)).toEqual(other1);
    expect(hashed).toHaveLength(2);

    // Same size, other bytes (and another modification time): hashed again
    await writeFile(model, 'weights v2');
    await utimes(model, new Date(1_700_000_000_000), new Date(1_700_000_000_000));
    const model2 = await second(model);
    expect(model2).toEqual(await hashFile(model));
    expect(model2.cid).not.toBe(model1.cid);
    expect(hashed).toEqual([model, other, model]);
  });

  it('does not remember a file changed within the last seconds: its times may not move again', async () => {
    const model = join(dir, 'model.onnx');
    await writeFile(model, 'weights');
    const cached = cachedFileHasher(join(dir, 'file-cids.json'), { hash });
    expect(await cached(model)).toEqual(await hashFile(model));
    expect(await cached(model)).toEqual(await hashFile(model));
    expect(hashed).toEqual([model, model]);
  });

  it('starts empty from a corrupt cache file, and a missing file is an error', async () => {
    const cacheFile = join(dir, 'file-cids.json');
    await writeFile(cacheFile, '{not json');
    const model = join(dir, 'model.onnx');
    await writeFile(model, 'weights');
    const cached = cachedFileHasher(cacheFile, { hash, settledMs: -60_000 });
    expect(await cached(model)).toEqual(await hashFile(model));
    expect(JSON.parse(await readFile(cacheFile, 'utf8'))[model].cid).toBe((await hashFile(model)).cid);
    await expect(cached(join(dir, 'missing.onnx'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
