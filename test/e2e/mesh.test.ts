import { readFile } from 'node:fs/promises';
import {
  CoordinatorClient,
  getJob,
  getJobEvents,
  type Job,
  payForJob,
  runWasmJob,
  submitWasmJob,
  waitForJob,
} from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleWasm, runHashChainVia } from './cli-harness.js';
import {
  isAlive,
  killPid,
  type LocalnetCoordinator,
  providersAt,
  restartCoordinator,
  startNet,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
const hashChain = () => readFile(exampleWasm('hash-chain'));

interface NetworkAnswer {
  coordinator: string;
  mesh: {
    coordinators: { address: string; apiUrl: string }[];
    providers: { address: string }[];
  };
}

const networkOf = async (apiUrl: string) =>
  (await new CoordinatorClient({ url: apiUrl }).getJson('/v1/network')) as NetworkAnswer;

/** The providers joined to this coordinator, online (not those it knows through the mesh). */
const onlineAt = async (apiUrl: string) =>
  (await providersAt(apiUrl)).filter((p) => p.online && p.joinedVia === null).map((p) => p.address);

let net: TestNet;
let coordinators: LocalnetCoordinator[];
/** Submitted to the first coordinator just before it is killed. */
const inFlight: Job[] = [];

beforeAll(async () => {
  net = await startNet(4, ['--coordinators', '3']);
  coordinators = net.coordinators;
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

describe('a mesh of three coordinators (separate stores), processes on 127.0.0.1', () => {
  it('each coordinator lists the others and the providers joined to them', async () => {
    expect(coordinators.map((c) => c.name)).toEqual(['coordinator', 'coordinator-2', 'coordinator-3']);
    await waitFor(
      async () => {
        for (const coordinator of coordinators) {
          const { mesh } = await networkOf(coordinator.apiUrl);
          const others = coordinators.filter((c) => c !== coordinator).map((c) => c.address);
          if (!others.every((address) => mesh.coordinators.some((c) => c.address === address))) return false;
          // Four providers spread over three coordinators: each hears of those joined elsewhere.
          const own = await onlineAt(coordinator.apiUrl);
          if (own.length === 0 || mesh.providers.length !== net.providers.length - own.length) return false;
        }
        return true;
      },
      30_000,
      'every coordinator to know the mesh',
    );
  });

  it('survives a coordinator killed: its provider joins another, and the CLI and SDK fail over to the survivors', async () => {
    const [killed, second, third] = coordinators as [
      LocalnetCoordinator,
      LocalnetCoordinator,
      LocalnetCoordinator,
    ];
    const orphan = net.providers[0]!.address; // provider-1 joined the first coordinator
    expect(await onlineAt(killed.apiUrl)).toContain(orphan);
    // Jobs in flight on it when it dies: with separate stores they are its own, and wait for it.
    const doomedCtx = { ...net.ctx, coordinator: new CoordinatorClient({ url: killed.apiUrl }) };
    for (const input of ['in flight 1', 'in flight 2'])
      inFlight.push(
        await submitWasmJob(doomedCtx, {
          module: await hashChain(),
          args: ['3000000'],
          stdin: new TextEncoder().encode(input),
          maxPrice: ONE_GRID,
          deadlineSeconds: 300,
          memoryMb: 16,
          cpuCores: 1,
        }),
      );
    await waitFor(
      async () => (await getJob(doomedCtx, inFlight[0]!.id)).state === 'running',
      30_000,
      'a job to run',
    );
    killPid(killed.pid, 'SIGKILL');
    await waitFor(() => !isAlive(killed.pid), 10_000, 'the coordinator to die');

    // provider-1 named the others as its fallbacks: it joins the next one.
    await waitFor(
      async () => (await onlineAt(second.apiUrl)).includes(orphan),
      60_000,
      'provider-1 to fail over',
    );
    // The survivors still see each other, and forget the dead one.
    await waitFor(
      async () => {
        const { mesh } = await networkOf(third.apiUrl);
        const addresses = mesh.coordinators.map((c) => c.address);
        return addresses.includes(second.address) && !addresses.includes(killed.address);
      },
      30_000,
      'the mesh to heal',
    );

    // The SDK, given every coordinator, moves past the dead one.
    const coordinator = new CoordinatorClient({
      url: killed.apiUrl,
      fallbackUrls: [second.apiUrl, third.apiUrl],
    });
    const { job, result } = await runWasmJob(
      { ...net.ctx, coordinator },
      {
        module: await hashChain(),
        args: ['3'],
        stdin: new TextEncoder().encode('after the failover'),
        maxPrice: ONE_GRID,
        deadlineSeconds: 120,
        memoryMb: 16,
        cpuCores: 1,
      },
      { timeoutMs: 120_000 },
    );
    expect(job.state).toBe('accepted');
    expect(result?.exitCode).toBe(0);
    expect(coordinator.url).toBe(second.apiUrl);

    // The CLI reads every coordinator from localnet.json: the first is dead, the next runs the job.
    const cli = await runHashChainVia(net.dataDir);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json.job.state).toBe('settled'); // run, and paid by voucher
  }, 240_000);

  it('takes the killed coordinator back: restarted, it finds the mesh in the registry and finishes its jobs, each accepted and paid once', async () => {
    const [killed, second] = coordinators as [LocalnetCoordinator, LocalnetCoordinator];
    // The others joined the mesh through it; it joined through none, and finds them on-chain.
    const restarted = await restartCoordinator(net, killed);
    expect((restarted.first as { apiUrl: string }).apiUrl).toBe(killed.apiUrl);
    await waitFor(
      async () =>
        (await networkOf(second.apiUrl)).mesh.coordinators.some((c) => c.address === killed.address),
      60_000,
      'the restarted coordinator to rejoin the mesh',
    );
    const ctx = { ...net.ctx, coordinator: new CoordinatorClient({ url: killed.apiUrl }) };
    for (const job of inFlight) {
      const done = await waitForJob(ctx, job.id, { timeoutMs: 120_000 });
      expect(done.state, JSON.stringify(done.error)).toBe('accepted');
      // Its provider joined another coordinator: until the mesh tells the restarted one where it
      // is, the voucher cannot reach it and the job stays accepted; paying again pays it.
      let paid: Job | undefined;
      await waitFor(
        async () => {
          paid = (await payForJob(ctx, done).catch(() => undefined))?.job;
          return paid !== undefined;
        },
        60_000,
        'the payment to reach the provider',
      );
      expect(paid?.state).toBe('settled');
      const events = await getJobEvents(ctx, job.id);
      expect(events.filter((event) => event.to === 'accepted')).toHaveLength(1);
      expect(events.filter((event) => event.to === 'settled')).toHaveLength(1);
    }
  }, 300_000);
});
