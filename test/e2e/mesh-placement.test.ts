import { CoordinatorClient } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHashChainVia } from './cli-harness.js';
import {
  heardThroughMesh,
  isAlive,
  killPid,
  type LocalnetCoordinator,
  pidOf,
  providersAt,
  startNet,
  startProvider,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

let net: TestNet;
let first: LocalnetCoordinator;
let second: LocalnetCoordinator;

beforeAll(async () => {
  // One provider, joined to the first coordinator; the second has none of its own.
  net = await startNet(1, ['--coordinators', '2']);
  [first, second] = net.coordinators as [LocalnetCoordinator, LocalnetCoordinator];
  // It comes back with no port open at all: nobody can dial it, as behind a NAT.
  const provider = net.providers[0]!;
  const pid = await pidOf(net.dataDir, `--name ${provider.name} `);
  killPid(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 10_000, `${provider.name} to die`);
  await startProvider(net, provider.name, first.p2p, ['--no-listen']);
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

describe('placement across the mesh (separate stores)', () => {
  it('a coordinator with no provider of its own runs a job on one joined to another, which it cannot dial, and pays it', async () => {
    const provider = net.providers[0]!;
    // The second coordinator hears of it through the mesh, joined to the first.
    await heardThroughMesh(second, provider.address, first);
    expect(
      (await providersAt(first.apiUrl)).find((p) => p.address === provider.address)?.joinedVia,
    ).toBeNull();

    // The CLI talks to the second coordinator alone: it runs the job through the first's relay.
    const run = await runHashChainVia(net.dataDir, second.apiUrl);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.job.state).toBe('settled'); // run, accepted, and paid by voucher
    expect(run.json.job.provider).toBe(provider.address);
    // The job is the second coordinator's alone.
    const elsewhere = await new CoordinatorClient({ url: first.apiUrl })
      .getJson(`/v1/jobs/${run.json.job.id}`)
      .catch((error: { code?: string }) => error.code);
    expect(elsewhere).toBe('JOB_NOT_FOUND');
  }, 180_000);
});
