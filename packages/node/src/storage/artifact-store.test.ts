import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { cidOfBytes, isIdlegridError } from '@idlegrid/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';

let dir: string;
let store: ArtifactStore;
const bytes = (s: string) => new TextEncoder().encode(s);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-artifacts-'));
  store = new ArtifactStore(dir, 1_000);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function codeOf(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (e: unknown) => (isIdlegridError(e) ? e.code : String(e)),
  );
}

describe('ArtifactStore', () => {
  it('stores content under its CID and reads it back whole or by range', async () => {
    const { cid, size } = await store.put(bytes('hello artifacts'));
    expect(cid).toBe(cidOfBytes(bytes('hello artifacts')));
    expect(size).toBe(15);
    expect(new TextDecoder().decode(await store.bytes(cid))).toBe('hello artifacts');
    expect(await text(await store.read(cid, { start: 6, end: 14 }))).toBe('artifacts');
    expect(await readdir(dir)).toEqual([cid]);
  });

  it('refuses content that does not match the CID it was announced under', async () => {
    const wrong = cidOfBytes(bytes('something else'));
    expect(await codeOf(store.put(bytes('hello'), wrong))).toBe('CID_MISMATCH');
    expect(await codeOf(store.put(bytes('hello'), 'not-a-cid'))).toBe('CID_INVALID');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses oversized content and reports missing artifacts', async () => {
    expect(await codeOf(store.put(new Uint8Array(1_001)))).toBe('ARTIFACT_TOO_LARGE');
    const missing = cidOfBytes(bytes('missing'));
    expect(await codeOf(store.info(missing))).toBe('ARTIFACT_NOT_FOUND');
    expect(await codeOf(store.read(missing))).toBe('ARTIFACT_NOT_FOUND');
  });

  it('erases content', async () => {
    const { cid } = await store.put(bytes('forget me'));
    await store.delete(cid);
    expect(await codeOf(store.info(cid))).toBe('ARTIFACT_NOT_FOUND');
    await store.delete(cid);
  });

  it('remembers the sizes of only the most recently used blobs', async () => {
    const small = new ArtifactStore(dir, 1_000, undefined, 3);
    const stored = [];
    for (const content of ['a', 'b', 'c', 'd']) stored.push(await small.put(bytes(content)));
    const [first, , , last] = stored;
    // Files removed behind the store's back: a remembered size answers without a look at the disk.
    await rm(join(dir, first!.cid));
    await rm(join(dir, last!.cid));
    expect(await small.info(last!.cid)).toEqual({ cid: last!.cid, size: 1 });
    expect(await codeOf(small.info(first!.cid))).toBe('ARTIFACT_NOT_FOUND');
  });
});
