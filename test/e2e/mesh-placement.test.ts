import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinatorClient } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import {
  isAlive,
  killPid,
  pidOf,
  startNet,
  startProvider,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

const HASH_CHAIN = fileURLToPath(
  new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url),
);

interface MeshCoordinatorInfo {
  name: string;
  address: string;
  apiUrl: string;
  p2p: string;
}

interface ProviderView {
  address: string;
  online: boolean;
  joinedVia: string | null;
}

let net: TestNet;
let first: MeshCoordinatorInfo;
let second: MeshCoordinatorInfo;

const providersAt = async (apiUrl: string) =>
  (
    (await new CoordinatorClient({ url: apiUrl }).getJson('/v1/providers')) as {
      providers: ProviderView[];
    }
  ).providers;

beforeAll(async () => {
  // One provider, joined to the first coordinator; the second has none of its own.
  net = await startNet(1, ['--coordinators', '2']);
  const { coordinators } = JSON.parse(await readFile(join(net.dataDir, 'localnet.json'), 'utf8')) as {
    coordinators: MeshCoordinatorInfo[];
  };
  [first, second] = coordinators as [MeshCoordinatorInfo, MeshCoordinatorInfo];
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
    await waitFor(
      async () =>
        (await providersAt(second.apiUrl)).some(
          (p) => p.address === provider.address && p.online && p.joinedVia === first.address,
        ),
      60_000,
      'the second coordinator to hear of the provider through the mesh',
    );
    expect(
      (await providersAt(first.apiUrl)).find((p) => p.address === provider.address)?.joinedVia,
    ).toBeNull();

    // The CLI talks to the second coordinator alone: it runs the job through the first's relay.
    const run = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'job',
      '--coordinator',
      second.apiUrl,
      'run',
      '--wasm',
      HASH_CHAIN,
      '--args',
      '2',
      '--max-price',
      '1',
    ]);
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
