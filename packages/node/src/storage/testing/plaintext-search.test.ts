import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesHolding } from './plaintext-search.js';

describe('the plaintext search of data directories', () => {
  it('finds a text as is and base64 encoded at any offset, and nothing where it is not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idlegrid-search-'));
    try {
      const text = `marker-${crypto.randomUUID()}`;
      await writeFile(join(dir, 'plain'), `before ${text} after`);
      for (const offset of [0, 1, 2]) {
        const blob = Buffer.concat([Buffer.alloc(offset, 7), Buffer.from(text), Buffer.from('tail')]);
        await writeFile(join(dir, `base64-${offset}`), `{"base64":"${blob.toString('base64')}"}`);
      }
      await writeFile(join(dir, 'other'), Buffer.from(`marker-${crypto.randomUUID()}`).toString('base64'));
      const found = await filesHolding(dir, [text]);
      expect(found.map((f) => f.file.slice(dir.length + 1)).sort()).toEqual([
        'base64-0',
        'base64-1',
        'base64-2',
        'plain',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
