import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createP2PHost } from '@idlegrid/node';
import { FaultProxy } from '@idlegrid/node/testing';
import { CoordinatorClient, readNetworkConfig, writeNetworkConfig } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHashChainVia, startCli } from './cli-harness.js';
import {
  heardThroughMesh,
  isAlive,
  killPid,
  type LocalnetCoordinator,
  pidOf,
  restartCoordinator,
  startNet,
  type TestNet,
  waitFor,
} from './localnet-harness.js';
import { createNatNamespace, type NatNamespace, namespaceUnavailable } from './nat-namespace.js';

// Namespaces need root, ip and nft: CI has them (.ci/run), so there their absence is a failure.
const unavailable = namespaceUnavailable();
if (unavailable && process.env.CI) throw new Error(`the NAT test cannot run: ${unavailable}`);
if (unavailable) console.warn(`skipping the NAT test: ${unavailable}`);

let net: TestNet;
let nat: NatNamespace | undefined;
let first: LocalnetCoordinator;
let second: LocalnetCoordinator;
/** Where the provider inside listens, as it says. */
let providerP2p: string[] = [];
const proxies: FaultProxy[] = [];
let providerDir = '';
let secondP2pPort = '';
/** The namespace has ports of its own. */
const PROVIDER_PORT = 4002;

/** The provider's established TCP connections to `host:port`, as the namespace's kernel sees them. */
function connectionsFromInside(host: string, port: string): number {
  const [command, ...args] = [...nat!.exec, 'ss', '-Htn', 'state', 'established', 'dst', `${host}:${port}`];
  return execFileSync(command!, args, { encoding: 'utf8' }).split('\n').filter(Boolean).length;
}

/** A port of this host made reachable from inside the namespace, at its gateway. */
async function exposed(port: number): Promise<number> {
  const proxy = await FaultProxy.start({ target: { port }, listenHost: nat!.gateway });
  proxies.push(proxy);
  return proxy.port;
}

beforeAll(async () => {
  if (unavailable) return;
  // provider-1 joins the first coordinator; the second has no provider of its own.
  net = await startNet(1, ['--coordinators', '2']);
  [first, second] = net.coordinators as [LocalnetCoordinator, LocalnetCoordinator];
  nat = createNatNamespace();

  // The second coordinator again, now listening on every interface and announcing the gateway's
  // public address among them: identify tells the provider so, and DCUtR dials it.
  secondP2pPort = /\/tcp\/(\d+)\//.exec(second.p2p)![1]!;
  await restartCoordinator(net, second, [
    '--name',
    second.name,
    '--api-port',
    new URL(second.apiUrl).port,
    '--listen',
    `/ip4/0.0.0.0/tcp/${secondP2pPort}`,
    '--announce',
    `/ip4/${nat.gateway}/tcp/${secondP2pPort}`,
    '--store-dir',
    join(net.dataDir, second.name),
    '--peer',
    first.p2p,
  ]);
  // The provider trusts the addresses its coordinator names in the hello: join once the first
  // coordinator has heard the second's new one.
  const announced = `/ip4/${nat.gateway}/tcp/${secondP2pPort}/`;
  await waitFor(
    async () => {
      const network = (await new CoordinatorClient({ url: first.apiUrl }).getJson('/v1/network')) as {
        mesh: { coordinators: { p2p: string[] }[] };
      };
      return network.mesh.coordinators.some((c) => c.p2p.some((a) => a.startsWith(announced)));
    },
    60_000,
    "the first coordinator to hear the second's public address",
  );

  // Inside, provider-1 knows the chain and its coordinator at the gateway, nothing else.
  const network = await readNetworkConfig(net.dataDir);
  const rpc = new URL(network.rpcUrl);
  providerDir = await mkdtemp(join(tmpdir(), 'idlegrid-nat-provider-'));
  await mkdir(join(providerDir, 'keys'), { recursive: true });
  await copyFile(join(net.dataDir, 'keys', 'provider-1.key'), join(providerDir, 'keys', 'provider-1.key'));
  await chmod(join(providerDir, 'keys', 'provider-1.key'), 0o600);
  await writeNetworkConfig(providerDir, {
    ...network,
    rpcUrl: `http://${nat.gateway}:${await exposed(Number(rpc.port))}`,
  });
  const [, p2pPort, peer] = /\/tcp\/(\d+)\/p2p\/(.+)$/.exec(first.p2p)!;
  const coordinatorThere = `/ip4/${nat.gateway}/tcp/${await exposed(Number(p2pPort))}/p2p/${peer}`;

  const pid = await pidOf(net.dataDir, '--name provider-1 ');
  killPid(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 10_000, 'provider-1 to die');
  const started = await startCli(
    [
      '--data-dir',
      providerDir,
      '--json',
      'provider',
      'start',
      '--name',
      'provider-1',
      '--coordinator-p2p',
      coordinatorThere,
      '--listen',
      `/ip4/0.0.0.0/tcp/${PROVIDER_PORT}`,
    ],
    nat.exec,
  );
  providerP2p = (started.first as { p2pAddrs: string[] }).p2pAddrs;
}, 240_000);

afterAll(async () => {
  nat?.remove();
  for (const proxy of proxies) await proxy.close();
  await net?.stop();
  if (providerDir) await rm(providerDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(unavailable !== undefined)('a provider behind a NAT (a network namespace)', () => {
  it("cannot be dialled, yet joins with one command, and runs and is paid for jobs of both coordinators, the second coordinator's relayed and then direct (DCUtR)", async () => {
    const provider = net.providers[0]!;
    // Nobody outside can open a connection to it: the namespace drops them.
    const outsider = await createP2PHost({ privateKey: generatePrivateKey() });
    await outsider.start();
    try {
      // It does not tell its public-looking address (libp2p tells none it has not verified).
      const peer = /\/p2p\/(\w+)$/.exec(providerP2p[0]!)![1];
      const listening = `/ip4/${nat!.inside}/tcp/${PROVIDER_PORT}/p2p/${peer}`;
      const direct = await outsider.dial(listening, { signal: AbortSignal.timeout(3_000) }).then(
        () => 'connected',
        (error: { code?: string }) => error.code,
      );
      expect(direct).toBe('P2P_UNREACHABLE');
    } finally {
      await outsider.stop();
    }

    // Its own coordinator's job reaches it over the connection it opened.
    const own = await runHashChainVia(net.dataDir, first.apiUrl);
    expect(own.code, own.stderr).toBe(0);
    expect(own.json.job).toMatchObject({ state: 'settled', provider: provider.address });

    // The other coordinator reaches it through the first's relay.
    await heardThroughMesh(second, provider.address, first);
    const relayed = await runHashChainVia(net.dataDir, second.apiUrl);
    expect(relayed.code, `${relayed.stdout}\n${relayed.stderr}`).toBe(0);
    expect(relayed.json.job).toMatchObject({ state: 'settled', provider: provider.address });

    // DCUtR: the provider, on the inbound side of the relayed connection, finds a public address
    // of the second coordinator in identify and dials it; the relayed connection gives way to a
    // direct one, which the NAT lets through because it opened from inside.
    await waitFor(
      () => connectionsFromInside(nat!.gateway, secondP2pPort) > 0,
      30_000,
      'a direct connection from the provider to the second coordinator',
    );
    const direct = await runHashChainVia(net.dataDir, second.apiUrl);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.json.job).toMatchObject({ state: 'settled', provider: provider.address });
  }, 180_000);
});
