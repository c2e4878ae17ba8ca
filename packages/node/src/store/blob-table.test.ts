import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidOfBytes } from '@idlegrid/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../storage/artifact-store.js';
import { type CoordinatorStore, openCoordinatorStore } from './open-store.js';

let dataDir: string;
let store: CoordinatorStore;
const artifactsDir = () => join(dataDir, 'artifacts');
const files = () => readdir(artifactsDir()).catch(() => [] as string[]);
const text = (value: string) => new TextEncoder().encode(value);
const drain = async (stream: AsyncIterable<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
};

// SQLite always; PostgreSQL too when TEST_DATABASE_URL names one (CI sets it).
const databases: [name: string, url: string | undefined][] = [
  ['SQLite', undefined],
  ...(process.env.TEST_DATABASE_URL
    ? [['PostgreSQL', process.env.TEST_DATABASE_URL] as [string, string]]
    : []),
];
let databaseUrl: string | undefined;
const open = () => openCoordinatorStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}) });

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-blobs-'));
});
afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(databases)('small artifacts in the coordinator database on %s', (_name, url) => {
  beforeEach(async () => {
    databaseUrl = url;
    store = await open();
  });

  it('keeps small blobs in the database and large ones as files, and serves both alike', async () => {
    const artifacts = new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs);
    const small = text('{"jobId":"0x1","exitCode":0}');
    const large = new Uint8Array(100 * 1024).fill(7);
    const { cid } = await artifacts.put(small, cidOfBytes(small));
    const big = await artifacts.put(large);
    expect(await files()).toEqual([big.cid]);
    // A fresh store (a restarted coordinator, nothing in memory) finds both.
    const again = new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs);
    expect(await again.info(cid)).toEqual({ cid, size: small.byteLength });
    expect(await again.bytes(cid)).toEqual(small);
    expect(await drain(await again.read(cid, { start: 2, end: 6 }))).toBe('jobId');
    expect((await again.bytes(big.cid)).byteLength).toBe(large.byteLength);
    // A runtime that needs a file gets one.
    expect(await readFile(await again.path(cid))).toEqual(Buffer.from(small));
  });

  it('erases a small blob for good', async () => {
    const artifacts = new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs);
    const { cid } = await artifacts.put(text('to be erased'));
    await artifacts.delete(cid);
    const again = new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs);
    await expect(again.info(cid)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
    await expect(artifacts.bytes(cid)).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
  });

  it('survives a restart of the database', async () => {
    const { cid } = await new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs).put(text('kept'));
    await store.close();
    store = await open();
    expect(await new ArtifactStore(artifactsDir(), 2 ** 24, store.blobs).bytes(cid)).toEqual(text('kept'));
  });
});
