import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunDirectories } from './run-directories.js';

const parent = mkdtempSync(join(tmpdir(), 'idlegrid-rundirs-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('RunDirectories', () => {
  it('reuses a directory its run left empty, and removes one with anything left in it', async () => {
    const directories = new RunDirectories(parent, 1);
    const first = directories.take();
    await directories.release(first, true);
    expect(existsSync(first.root)).toBe(false); // waiting in .spare/
    expect(directories.take()).toEqual(first);

    writeFileSync(join(first.scratchDir, '.hidden'), 'left behind');
    await directories.release(first, true);
    expect(existsSync(first.root)).toBe(false);
    const second = directories.take();
    expect(second.root).not.toBe(first.root);
    expect(readdirSync(second.scratchDir)).toEqual([]);

    // After a killed run (timeout, abort) the directory is never reused.
    await directories.release(second, false);
    expect(existsSync(second.root)).toBe(false);
    directories.clear();
  });

  it('keeps at most maxSpare directories, and clear() removes them', async () => {
    const directories = new RunDirectories(parent, 2);
    const taken = [directories.take(), directories.take(), directories.take()];
    expect(readdirSync(parent)).toHaveLength(3); // the runs in progress, directly in the parent
    for (const directory of taken) await directories.release(directory, true);
    const [spareDir, ...others] = readdirSync(parent);
    expect([spareDir?.startsWith('.spare-'), others]).toEqual([true, []]);
    expect(readdirSync(join(parent, spareDir!))).toHaveLength(2);
    directories.clear();
    expect(readdirSync(parent)).toEqual([]);
  });
});
