import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { publicKeyOf } from '@idlegrid/protocol/privacy';
import { CoordinatorClient, downloadArtifact, type NetworkConfig } from '@idlegrid/sdk';
import { openArtifact, sealArtifact } from '@idlegrid/sdk/privacy';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCoordinator, startCoordinator } from '../coordinator/coordinator.js';

const CHANNELS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const network: NetworkConfig = {
  rpcUrl: 'http://127.0.0.1:1',
  chainId: 31337,
  token: CHANNELS,
  staking: CHANNELS,
  paymentChannels: CHANNELS,
  deployBlock: '0',
  embedded: true,
};

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('sealed artifacts through a real coordinator', () => {
  let dataDir: string;
  let coordinator: RunningCoordinator;
  let ctx: { coordinator: CoordinatorClient };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-sealed-'));
    coordinator = await startCoordinator({
      dataDir,
      network,
      privateKey: generatePrivateKey(),
      p2pListen: ['/ip4/127.0.0.1/tcp/0'],
      chainChecks: false,
    });
    ctx = { coordinator: new CoordinatorClient({ url: coordinator.apiUrl }) };
  });
  afterAll(async () => {
    await coordinator.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores only ciphertext: no file of the coordinator holds the plaintext, which only the owner opens', async () => {
    const owner = generatePrivateKey();
    const marker = `private-marker-${crypto.randomUUID()}`;
    // Large enough for a file of its own, and a small one the coordinator keeps in SQLite.
    for (const plaintext of [marker.repeat(4_000), marker]) {
      const bytes = new TextEncoder().encode(plaintext);
      const sealed = await sealArtifact(ctx, bytes, publicKeyOf(owner));
      const stored = await downloadArtifact(ctx, sealed.cid);
      expect(Buffer.from(stored).includes(Buffer.from(marker))).toBe(false);
      const opened = await openArtifact(ctx, sealed, owner);
      expect(new TextDecoder().decode(opened.plaintext)).toBe(plaintext);
    }
    for (const file of await filesUnder(dataDir)) {
      expect((await readFile(file)).includes(Buffer.from(marker)), file).toBe(false);
    }
  });

  it('opens for nobody else: another key gets KEY_UNWRAP_FAILED', async () => {
    const owner = generatePrivateKey();
    const sealed = await sealArtifact(
      ctx,
      new TextEncoder().encode('for the owner only'),
      publicKeyOf(owner),
    );
    const failure = await openArtifact(ctx, sealed, generatePrivateKey()).catch((error: unknown) => error);
    expect(isIdlegridError(failure) && failure.code).toBe('KEY_UNWRAP_FAILED');
  });
});
