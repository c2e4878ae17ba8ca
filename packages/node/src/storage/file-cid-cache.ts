import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashFile } from './file-cid.js';

export type FileHasher = (path: string) => Promise<{ cid: string; bytes: number }>;

interface Entry {
  cid: string;
  bytes: number;
  /** Modification and change times (ns) and inode when it was hashed. */
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
}

/**
 * File CIDs remembered in a JSON file by path and stat: the same size, inode, modification and
 * change time mean the same bytes, as git's index and make assume (a change time cannot be set
 * back from user space). A provider hashes the built-in models (about 16 MB) once, not at every
 * start. Writers race only to lose an entry, hashed again next time: each write replaces the file
 * whole.
 *
 * File times tick coarsely (a few ms), so a file rewritten at the same size right after it was
 * hashed could keep its times. A file changed within `settledMs` is hashed but not remembered
 * (git's "racily clean" entries).
 */
export function cachedFileHasher(
  cacheFile: string,
  { hash = hashFile, settledMs = 2_000 }: { hash?: FileHasher; settledMs?: number } = {},
): FileHasher {
  let entries: Promise<Record<string, Entry>> | undefined;
  // One write at a time, each of every entry known by then (hashes run in parallel).
  let saved: Promise<void> = Promise.resolve();
  const save = (known: Record<string, Entry>) => {
    saved = saved.then(async () => {
      await mkdir(dirname(cacheFile), { recursive: true });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(known));
      await rename(temp, cacheFile);
    });
    return saved;
  };
  const load = () =>
    readFile(cacheFile, 'utf8')
      .then((text) => JSON.parse(text) as Record<string, Entry>)
      // Missing or unreadable: start empty (it only saves time).
      .catch(() => ({}));
  return async (path) => {
    entries ??= load();
    const known = await entries;
    const before = await stat(path, { bigint: true });
    const current = {
      bytes: Number(before.size),
      mtimeNs: String(before.mtimeNs),
      ctimeNs: String(before.ctimeNs),
      ino: String(before.ino),
    };
    const entry = known[path];
    if (entry && sameFile(entry, current)) return { cid: entry.cid, bytes: entry.bytes };
    const hashed = await hash(path);
    const changedAt = Math.max(Number(before.mtimeMs), Number(before.ctimeMs));
    if (Date.now() - changedAt <= settledMs) return hashed;
    known[path] = { ...current, ...hashed };
    await save(known);
    return hashed;
  };
}

function sameFile(entry: Entry, current: Omit<Entry, 'cid'>): boolean {
  return (
    entry.bytes === current.bytes &&
    entry.mtimeNs === current.mtimeNs &&
    entry.ctimeNs === current.ctimeNs &&
    entry.ino === current.ino
  );
}
