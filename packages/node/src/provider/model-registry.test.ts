import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidOfBytes } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { ModelRegistry } from './model-registry.js';

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), 'idlegrid-models-'));
  const gguf = Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(100, 7)]);
  await writeFile(join(dir, 'tiny.gguf'), gguf);
  return { dir, gguf };
}

describe('ModelRegistry', () => {
  it('registers a GGUF by the CID of its bytes and keeps it across opens', async () => {
    const { dir, gguf } = await fixture();
    const registry = await ModelRegistry.open(dir);
    const added = await registry.add(join(dir, 'tiny.gguf'), 'tiny');
    expect(added).toMatchObject({
      name: 'tiny',
      runtime: 'llm',
      cid: cidOfBytes(gguf),
      bytes: gguf.byteLength,
    });
    const reopened = await ModelRegistry.open(dir);
    expect(reopened.byCid(added.cid)?.name).toBe('tiny');
    expect(await reopened.pathOf(added)).toBe(join(dir, 'tiny.gguf'));
  });

  it('replaces a model of the same name and removes by name', async () => {
    const { dir } = await fixture();
    await writeFile(join(dir, 'other.gguf'), Buffer.from('GGUF-other'));
    const registry = await ModelRegistry.open(dir);
    await registry.add(join(dir, 'tiny.gguf'), 'tiny');
    await registry.add(join(dir, 'other.gguf'), 'tiny');
    expect(registry.list().map((m) => m.path)).toEqual([join(dir, 'other.gguf')]);
    await registry.remove('tiny');
    expect(registry.list()).toEqual([]);
    await expect(registry.remove('tiny')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('refuses files that are no model, and a file changed after it was added', async () => {
    const { dir } = await fixture();
    await writeFile(join(dir, 'notes.txt'), 'hello');
    const registry = await ModelRegistry.open(dir);
    await expect(registry.add(join(dir, 'notes.txt'), 'notes')).rejects.toMatchObject({
      code: 'MODEL_FORMAT_UNKNOWN',
    });
    await expect(registry.add(join(dir, 'missing.gguf'), 'missing')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const added = await registry.add(join(dir, 'tiny.gguf'), 'tiny');
    await writeFile(join(dir, 'tiny.gguf'), 'GGUF');
    await expect(registry.pathOf(added)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
