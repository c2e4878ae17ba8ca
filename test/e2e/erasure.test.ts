import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localAccount } from '@idlegrid/protocol';
import { getJobEvents, loadPrivateKey, waitForJob } from '@idlegrid/sdk';
import {
  eraseArtifact,
  erasureOf,
  type OwnerContext,
  runPrivateJob,
  sealArtifact,
  waitForErasure,
} from '@idlegrid/sdk/privacy';
import { describe, expect, it } from 'vitest';
import { isAlive, killPid, pidOf, startNet, startProvider, waitFor } from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
const hashChain = () =>
  readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );

/** A sealed input too large to travel with the assignment: every provider that runs it downloads and caches it. */
const bigInput = () => {
  const bytes = new Uint8Array(200 * 1024);
  crypto.getRandomValues(bytes.subarray(0, 65_536));
  return bytes;
};

describe('erasure on a local network of processes', () => {
  it('reaches every copy: each provider deletes its cached copy and signs a receipt, one stopped meanwhile when it is back; a job still using the artifact is cancelled', async () => {
    const net = await startNet(4);
    try {
      const ownerKey = await loadPrivateKey(net.dataDir, 'client');
      const owner: OwnerContext = {
        coordinator: net.ctx.coordinator,
        signer: localAccount(ownerKey),
        domain: net.ctx.domain,
      };
      const module = await hashChain();
      const sealed = await sealArtifact(owner, bigInput());
      const request = {
        module,
        args: ['1'],
        stdin: sealed.cid,
        maxPrice: ONE_GRID,
        deadlineSeconds: 120,
        memoryMb: 16,
        cpuCores: 1,
      };
      // Four replicas: every provider runs the job once, and keeps the sealed input in its cache.
      const { job } = await runPrivateJob(owner, { ...request, verification: 'replicate:4' }, ownerKey, {
        timeoutMs: 120_000,
      });
      expect(job.state, JSON.stringify(job.error)).toBe('accepted');
      const cached = (address: string) => join(net.dataDir, 'provider', address, 'cache', sealed.cid);
      for (const provider of net.providers)
        expect(existsSync(cached(provider.address)), provider.name).toBe(true);

      // provider-4 is stopped before the erasure.
      const stopped = net.providers.find((p) => p.name === 'provider-4')!;
      const pid = await pidOf(net.dataDir, '--name provider-4 ');
      killPid(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid), 10_000, 'provider-4 to die');

      const erased = await eraseArtifact(owner, sealed.cid);
      expect(erased.blobDestroyed).toBe(true);
      expect(erased.providersNotified.sort()).toEqual(net.providers.map((p) => p.address).sort());
      await waitFor(
        async () => (await erasureOf(owner, sealed.cid)).pending === 1,
        20_000,
        'the three running providers to confirm',
      );
      const { notices } = await erasureOf(owner, sealed.cid);
      expect(notices.filter((n) => n.confirmedAt === null).map((n) => n.provider)).toEqual([stopped.address]);
      for (const provider of net.providers)
        expect(existsSync(cached(provider.address))).toBe(provider === stopped);

      // Back again, it deletes its copy and confirms.
      await startProvider(net, 'provider-4', net.coordinatorP2p);
      const confirmed = await waitForErasure(owner, sealed.cid, { timeoutMs: 30_000 });
      expect(confirmed.notices.map((n) => n.provider).sort()).toEqual(
        net.providers.map((p) => p.address).sort(),
      );
      expect(existsSync(cached(stopped.address))).toBe(false);

      // A job still using an artifact when it is erased is cancelled, and nothing is charged.
      const another = await sealArtifact(owner, bigInput());
      const long = runPrivateJob(owner, { ...request, stdin: another.cid, args: ['100000000'] }, ownerKey, {
        timeoutMs: 120_000,
      });
      const running = await new Promise<string>((resolve) => {
        const poll = setInterval(async () => {
          const jobs = (await net.ctx.coordinator.getJson(
            `/v1/jobs?client=${owner.signer.address}&state=running`,
          )) as {
            jobs: { id: string; spec: { message: { inputCids: string[] } } }[];
          };
          const found = jobs.jobs.find((j) => j.spec.message.inputCids.includes(another.cid));
          if (found) {
            clearInterval(poll);
            resolve(found.id);
          }
        }, 100);
      });
      const erasing = await eraseArtifact(owner, another.cid);
      expect(erasing.jobsCancelled).toEqual([running]);
      const ended = await long;
      expect(ended.job).toMatchObject({
        state: 'cancelled',
        price: null,
        error: { code: 'ARTIFACT_ERASED' },
      });
      const after = await waitForJob(net.ctx, running, { timeoutMs: 10_000 });
      expect(after.state).toBe('cancelled');
      const events = await getJobEvents(net.ctx, running);
      expect(events.at(-1)?.detail).toMatchObject({ reason: 'artifact erased', cid: another.cid });
      // Every provider confirms, the cancelled one's included: on a loaded machine 30 s was once too short.
      await waitForErasure(owner, another.cid, { timeoutMs: 90_000 });
    } finally {
      await net.stop();
    }
  }, 300_000);
});
