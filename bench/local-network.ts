import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildNode, type PolicyName, startChildNode } from '@idlegrid/node';
import { localAccount, networkDomain } from '@idlegrid/protocol';
import { CoordinatorClient, type JobsContext, type NetworkConfig, uploadArtifact } from '@idlegrid/sdk';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { CoordinatorNodeConfig, ProviderNodeConfig } from './network-node.js';

/**
 * A network for the benchmarks: a coordinator and providers, each its own process
 * (bench/network-node.ts), real libp2p, HTTP and SQLite, on 127.0.0.1, without a chain.
 */
export const TICK_MS = 250;
export const PROVIDER_CORES = 16;

/** No chain: the domain only needs a chain id and a contract address to sign against. */
const fakeAddress = () => privateKeyToAccount(generatePrivateKey()).address;
export const network: NetworkConfig = {
  rpcUrl: 'http://127.0.0.1:9',
  chainId: 31_337,
  token: fakeAddress(),
  staking: fakeAddress(),
  coordinatorRegistry: fakeAddress(),
  paymentChannels: fakeAddress(),
  governor: fakeAddress(),
  timelock: fakeAddress(),
  deployBlock: '0',
  embedded: true,
};
export const domain = networkDomain(network.chainId, network.paymentChannels);

/**
 * The smallest WASI command: one memory page, an empty `_start` (exit code 0), no imports.
 * Sections: type () -> (), function, memory (min 1), exports `memory` and `_start`, code.
 */
// biome-ignore format: one section per line
export const NOOP_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x13, 0x02, 0x06, ...ascii('memory'), 0x02, 0x00, 0x06, ...ascii('_start'), 0x00, 0x00,
  0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
]);

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

export interface ProviderNode {
  address: string;
  node: ChildNode;
}

export interface Network {
  coordinatorUrl: string;
  /** The coordinator's health listener (`/healthz` on a port of its own). */
  coordinatorHealthUrl: string;
  /** The coordinator's p2p multiaddr, as providers dial it. */
  coordinatorP2p: string;
  coordinatorNode: ChildNode;
  providers: ProviderNode[];
  ctx: JobsContext;
  moduleCid: string;
  /** Starts one more provider; `coordinator`: the multiaddr it dials instead (a proxy's, say). */
  addProvider(region?: string, coordinator?: string): Promise<ProviderNode>;
  stop(): Promise<void>;
}

/** The script that runs a coordinator or a provider of these networks in a process of its own. */
export const NODE_SCRIPT = fileURLToPath(new URL('./network-node.js', import.meta.url));

/** A coordinator and `providerCount` providers, each its own process (bench/network-node.ts). */
export async function startNetwork(
  providerCount: number,
  options: {
    adversaries?: Readonly<Record<number, string>>;
    placementPolicy?: PolicyName;
    feedScoring?: CoordinatorNodeConfig['feedScoring'];
  } = {},
): Promise<Network> {
  const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-bench-net-'));
  let coordinator: ChildNode | undefined;
  const providers: ProviderNode[] = [];
  const stop = async () => {
    await Promise.all(providers.splice(0).map(({ node }) => node.stop().catch(() => {})));
    await coordinator?.stop().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const coordinatorConfig: CoordinatorNodeConfig = {
      dataDir: join(dataDir, 'coordinator'),
      network,
      privateKey: generatePrivateKey(),
      tickMs: TICK_MS,
      ...(options.placementPolicy ? { placementPolicy: options.placementPolicy } : {}),
      ...(options.feedScoring ? { feedScoring: options.feedScoring } : {}),
    };
    coordinator = await startChildNode(
      NODE_SCRIPT,
      'coordinator',
      ['coordinator', JSON.stringify(coordinatorConfig)],
      {
        dataDir,
      },
    );
    const { apiUrl, healthUrl, p2p } = coordinator.info as { apiUrl: string; healthUrl: string; p2p: string };
    let index = 0;
    const addProvider = async (region?: string, via?: string) => {
      const adversary = options.adversaries?.[index];
      const name = `provider-${index++}`;
      const config: ProviderNodeConfig = {
        dataDir: join(dataDir, name),
        network,
        privateKey: generatePrivateKey(),
        coordinator: via ?? p2p,
        cpuCores: PROVIDER_CORES,
        heartbeatIntervalMs: 1_000,
        ...(region ? { region } : {}),
        ...(adversary ? { adversary } : {}),
      };
      const node = await startChildNode(NODE_SCRIPT, name, ['provider', JSON.stringify(config)], { dataDir });
      const provider = { address: (node.info as { address: string }).address, node };
      providers.push(provider);
      return provider;
    };
    for (let i = 0; i < providerCount; i++) await addProvider();
    const ctx: JobsContext = {
      coordinator: new CoordinatorClient({ url: apiUrl }),
      signer: localAccount(generatePrivateKey()),
      domain,
    };
    const moduleCid = await uploadArtifact(ctx, NOOP_WASM);
    return {
      coordinatorUrl: apiUrl,
      coordinatorHealthUrl: healthUrl,
      coordinatorP2p: p2p,
      coordinatorNode: coordinator,
      providers,
      ctx,
      moduleCid,
      addProvider,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
