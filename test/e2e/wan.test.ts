import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultProxy } from '@idlegrid/node/testing';
import { getJob, getJobEvents, type Job, payForJob, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isAlive,
  killPid,
  pidOf,
  startNet,
  startProvider,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

/**
 * Wide-area conditions between the coordinator and its providers: each provider is restarted
 * behind a FaultProxy (the test double for link faults) on its p2p link to the coordinator, which
 * adds delay each way, drops connections, and cuts the link.
 */

const ONE_GRID = 10n ** 18n;
const hashChain = () =>
  readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );

interface ProviderInfo {
  name: string;
  address: string;
  region: string;
  price: string;
  price1kTokens: string;
  cores: number;
  memoryGb: number;
}

let net: TestNet;
const proxies = new Map<string, FaultProxy>();

/** Restarts a provider so that its link to the coordinator goes through a proxy of its own. */
async function behindProxy(provider: ProviderInfo): Promise<void> {
  const pid = await pidOf(net.dataDir, `--name ${provider.name} `);
  killPid(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 10_000, `${provider.name} to die`);
  const [, port, peer] = /\/tcp\/(\d+)\/p2p\/(.+)$/.exec(net.coordinatorP2p)!;
  const proxy = await FaultProxy.start({ target: { port: Number(port) } });
  proxies.set(provider.address, proxy);
  await startProvider(net, provider.name, `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${peer}`, [
    '--price',
    provider.price,
    '--price-1k-tokens',
    provider.price1kTokens,
    '--region',
    provider.region,
    '--cores',
    String(provider.cores),
    '--memory-gb',
    String(provider.memoryGb),
  ]);
}

const onlineProviders = async () => {
  const { providers } = (await net.ctx.coordinator.getJson('/v1/providers')) as {
    providers: { address: string; online: boolean }[];
  };
  return providers.filter((p) => p.online).map((p) => p.address);
};

async function submit(rounds: number, input: string, region?: string): Promise<Job> {
  return submitWasmJob(net.ctx, {
    module: await hashChain(),
    args: [String(rounds), input],
    maxPrice: ONE_GRID,
    deadlineSeconds: 300,
    memoryMb: 16,
    cpuCores: 1,
    ...(region ? { region } : {}),
  });
}

const lostLeases = async (id: string) =>
  (await getJobEvents(net.ctx, id)).filter((event) =>
    ['LEASE_EXPIRED', 'PROVIDER_LOST_JOB'].includes(String(event.detail.code)),
  );

beforeAll(async () => {
  net = await startNet(2);
  const { providers } = JSON.parse(await readFile(join(net.dataDir, 'localnet.json'), 'utf8')) as {
    providers: ProviderInfo[];
  };
  for (const provider of providers) await behindProxy(provider);
  await waitFor(async () => (await onlineProviders()).length === 2, 60_000, 'both providers behind proxies');
}, 240_000);

afterAll(async () => {
  await net?.stop();
  for (const proxy of proxies.values()) await proxy.close();
}, 60_000);

describe('jobs across a wide-area link (a fault-injecting proxy on each provider link)', () => {
  it.each([200, 500])(
    'completes jobs at %i ms each way with one connection in a hundred dropped; no lease flaps',
    async (delayMs) => {
      for (const proxy of proxies.values()) proxy.faults = { delayMs, bytesPerSecond: 0, dropRate: 0.01 };
      const jobs = await Promise.all([1, 2, 3, 4].map((i) => submit(1_000, `wan ${delayMs} ${i}`)));
      for (const job of jobs) {
        const done = await waitForJob(net.ctx, job.id, { timeoutMs: 120_000 });
        expect(done.state, JSON.stringify(done.error)).toBe('accepted');
        expect(await lostLeases(job.id)).toEqual([]);
      }
      // Heartbeats kept both providers online throughout.
      expect((await onlineProviders()).length).toBe(2);
    },
    180_000,
  );

  it('moves the job of a provider partitioned for 30 s, pays it once, and takes the provider back', async () => {
    for (const proxy of proxies.values()) proxy.faults = { delayMs: 0, bytesPerSecond: 0, dropRate: 0 };
    // Long enough that the link is cut while it runs, however late a loaded machine sees it running.
    const job = await submit(10_000_000, 'partitioned');
    const running = await waitFor(
      async () => (await getJob(net.ctx, job.id)).state === 'running',
      60_000,
      'the job to run',
    ).then(() => getJob(net.ctx, job.id));
    const cut = proxies.get(running.provider!)!;
    const cutAt = Date.now();
    cut.partition();
    const done = await waitForJob(net.ctx, job.id, { timeoutMs: 150_000 });
    expect(done.state, JSON.stringify(done.error)).toBe('accepted');
    expect(done.provider).not.toBe(running.provider);
    expect((await lostLeases(job.id)).map((event) => event.detail.code)).toEqual(['LEASE_EXPIRED']);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + 30_000 - Date.now())));
    cut.heal();
    // The partitioned provider says hello again and is back in the market.
    await waitFor(
      async () => (await onlineProviders()).includes(running.provider!),
      60_000,
      'the provider to rejoin',
    );
    const paid = await payForJob(net.ctx, done);
    expect(paid.job.state).toBe('settled');
    const events = await getJobEvents(net.ctx, job.id);
    expect(events.filter((event) => event.to === 'accepted')).toHaveLength(1);
    expect(events.filter((event) => event.to === 'settled')).toHaveLength(1);
  }, 240_000);
});
