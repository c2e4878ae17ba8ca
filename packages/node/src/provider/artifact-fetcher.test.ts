import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidOfBytes } from '@idlegrid/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../storage/artifact-store.js';
import { ArtifactFetcher } from './artifact-fetcher.js';
import { uploadArtifact } from './artifact-upload.js';
import { type ServeMode, startArtifactServer, type TestArtifactServer } from './testing.js';

let dir: string;
let origin: ArtifactStore;
let server: TestArtifactServer | undefined;
// 256 KiB of varied bytes: large enough to arrive in several chunks.
const blob = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-fetch-'));
  origin = new ArtifactStore(join(dir, 'origin'), 2 ** 24);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(modes: ServeMode[] = []) {
  server = await startArtifactServer(origin, (index) => modes[index] ?? 'honest');
  return server;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe('artifact fetcher', () => {
  it('downloads, verifies and caches an artifact', async () => {
    const { cid } = await origin.put(blob);
    const { url, gets } = await serve();
    const fetcher = new ArtifactFetcher({ cacheDir: join(dir, 'cache') });
    expect(Buffer.from(await fetcher.fetch(url, cid)).equals(Buffer.from(blob))).toBe(true);
    expect(Buffer.from(await fetcher.fetch(url, cid)).equals(Buffer.from(blob))).toBe(true);
    expect(gets).toEqual([undefined]);
  });

  it('refuses bytes that do not hash to the CID and caches nothing', async () => {
    const { cid } = await origin.put(blob);
    const { url } = await serve(['lie', 'lie', 'lie', 'lie']);
    const fetcher = new ArtifactFetcher({ cacheDir: join(dir, 'cache') });
    expect(await codeOf(fetcher.fetch(url, cid))).toBe('CID_MISMATCH');
    expect(await codeOf(fetcher.store.info(cid))).toBe('ARTIFACT_NOT_FOUND');
    expect(await readdir(join(dir, 'cache', 'partial'))).toEqual([]);
  });

  it('resumes a dropped download with a Range request', async () => {
    const { cid } = await origin.put(blob);
    const { url, gets } = await serve(['drop']);
    const fetcher = new ArtifactFetcher({ cacheDir: join(dir, 'cache') });
    const bytes = await fetcher.fetch(url, cid);
    expect(cidOfBytes(bytes)).toBe(cid);
    expect(gets).toHaveLength(2);
    expect(gets[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1] ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(blob.length);
    expect(await readdir(join(dir, 'cache', 'partial'))).toEqual([]);
  });

  it('gives up with ARTIFACT_FETCH_FAILED when every attempt drops, and ARTIFACT_NOT_FOUND on 404', async () => {
    const { cid } = await origin.put(blob);
    const { url } = await serve(['drop', 'drop']);
    const fetcher = new ArtifactFetcher({ cacheDir: join(dir, 'cache'), attempts: 2 });
    expect(await codeOf(fetcher.fetch(url, cid))).toBe('ARTIFACT_FETCH_FAILED');
    // The partial bytes are kept for the next try, which completes the download.
    expect(await readdir(join(dir, 'cache', 'partial'))).toEqual([`${cid}.part`]);
    expect(cidOfBytes(await fetcher.fetch(url, cid))).toBe(cid);
    expect(await codeOf(fetcher.fetch(url, cidOfBytes(new Uint8Array([1, 2, 3]))))).toBe(
      'ARTIFACT_NOT_FOUND',
    );
    expect(await codeOf(fetcher.fetch(url, 'not-a-cid'))).toBe('CID_INVALID');
  });

  it('uploads bytes and checks the CID the server stored them under', async () => {
    const { url } = await serve();
    const cid = await uploadArtifact(url, blob);
    expect(cid).toBe(cidOfBytes(blob));
    expect((await origin.info(cid)).size).toBe(blob.length);
  });
});
