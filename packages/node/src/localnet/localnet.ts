import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_TOKEN } from '@idlegrid/contracts';
import { toWireJson } from '@idlegrid/protocol';
import {
  apiKeyName,
  connect,
  createStoredApiKey,
  deposit,
  getBalances,
  keysDir,
  loadKey,
  loadOrCreateKey,
  type SignerContext,
} from '@idlegrid/sdk';
import type { PrivateKeyAccount } from 'viem';
import { isActiveCoordinator, registerCoordinator, registryMinStake } from '../chain/coordinator-registry.js';
import { ensureNetwork, type RunningNetwork } from '../chain/ensure-network.js';
import { fundFromFaucet } from '../chain/faucet.js';
import { chainSessionGrants } from '../chain/session-keys.js';
import { stake } from '../chain/stake.js';
import { grantVerifierRole, isVerifier } from '../chain/verifier-role.js';
import type { NodeConfig } from '../config/config.js';
import { type LocalnetFlData, prepareLocalnetFlData } from '../fl/localnet-data.js';
import { parseSplit } from '../fl/partition.js';
import { type ChildNode, startChildNode } from './child-node.js';
import { presetOf } from './provider-presets.js';

/** What the client's localnet API key may spend, and for how long (renewed once expired). */
const API_KEY_GRANT = { cap: 100n * ONE_TOKEN, seconds: 30 * 86_400 } as const;

/** The client's API key (a session key of its channel): made and authorized on first start, renewed when expired. */
async function ensureApiKey(
  ctx: SignerContext,
  dataDir: string,
  clientName: string,
  step: (message: string) => void,
): Promise<{ keyName: string }> {
  const keyName = apiKeyName(clientName);
  const existing = await loadKey(dataDir, keyName).catch(() => undefined);
  if (existing) {
    const grant = await chainSessionGrants(ctx.network)(ctx.wallet.account!.address, existing.address);
    if (grant.expiry > BigInt(Math.floor(Date.now() / 1000))) return { keyName };
    await rm(join(keysDir(dataDir), `${keyName}.key`));
  }
  step(`authorizing an API key for ${clientName} (cap ${API_KEY_GRANT.cap / ONE_TOKEN} GRID)`);
  await createStoredApiKey(ctx, dataDir, keyName, {
    cap: API_KEY_GRANT.cap,
    expiry: BigInt(Math.floor(Date.now() / 1000) + API_KEY_GRANT.seconds),
  });
  return { keyName };
}

/** GRID a localnet provider holds in vouchers before it redeems them on-chain. */
export const LOCALNET_REDEEM_THRESHOLD = '0.004';

export interface LocalnetParty {
  name: string;
  account: PrivateKeyAccount;
}

export interface Localnet {
  running: RunningNetwork;
  client: LocalnetParty;
  providers: LocalnetParty[];
  /** The first coordinator (the mesh's others are in `coordinators`). */
  coordinator: ChildNode;
  /** Every coordinator of the mesh, the first first. */
  coordinators: ChildNode[];
  providerNodes: ChildNode[];
  /** The first coordinator's HTTP API. */
  coordinatorUrl: string;
  /** With `flData`: where the providers' shards are, and the client's test set. */
  flData?: LocalnetFlData;
  stop(): Promise<void>;
}

export interface LocalnetOptions {
  providers: number;
  /** Coordinators of the mesh (default 1), each with a store of its own; providers are spread over them. */
  coordinators?: number;
  /** PostgreSQL for the coordinators' store: with several, they share it as a cluster (else each has its own SQLite). */
  databaseUrl?: string;
  /** The `idlegrid` CLI entry point, run once per coordinator and provider process. */
  cliPath: string;
  /** Port of the coordinator's HTTP API (0 picks a free one). */
  apiPort: number;
  /** Federated learning data: each provider gets its own shard of MNIST (see fl/localnet-data.ts). */
  flData?: { split: string; seed: number };
  /** For verification tests: providers (by name, like provider-2) that cheat, and how (see provider/adversary.ts). */
  adversaries?: Readonly<Record<string, string>>;
  /** False: the coordinator runs without rate limits, quotas or load shedding (`--no-limits`). */
  limits?: boolean;
  onStep?: (message: string) => void;
}

/** What a fresh local network gives each party, once (later starts keep what they hold). */
export const LOCALNET_GRANTS = {
  gas: 100n * ONE_TOKEN,
  clientTokens: 10_000n * ONE_TOKEN,
  clientDeposit: 1_000n * ONE_TOKEN,
  providerTokens: 1_000n * ONE_TOKEN,
  providerStake: 500n * ONE_TOKEN,
} as const;

/**
 * A local network: the embedded chain with its contracts, a funded client with a channel
 * deposit, a coordinator and N staked providers as separate processes, all with keys in
 * the data directory. Starting it again resumes the same state. Writes DIR/localnet.json
 * so any tool can drive it.
 */
export async function startLocalnet(config: NodeConfig, options: LocalnetOptions): Promise<Localnet> {
  const step = options.onStep ?? (() => {});
  step(config.rpcUrl ? `connecting to ${config.rpcUrl}` : 'starting the embedded chain');
  const running = await ensureNetwork(config);
  try {
    step(
      running.deployed
        ? 'deployed GridToken, Staking, PaymentChannels and their Governor and timelock'
        : 'resumed the deployed contracts',
    );
    const funder = connect(running.network, running.funder);
    const client = { name: 'client', account: await loadOrCreateKey(config.dataDir, 'client') };
    const providers: LocalnetParty[] = [];
    for (let i = 1; i <= options.providers; i++) {
      const name = `provider-${i}`;
      providers.push({ name, account: await loadOrCreateKey(config.dataDir, name) });
    }

    for (const party of [client, ...providers]) {
      const isClient = party === client;
      const ctx = connect(running.network, party.account);
      const before = await getBalances(ctx, party.account.address);
      const firstStart = before.tokens + before.deposit + before.stakeBonded === 0n;
      if (before.eth < LOCALNET_GRANTS.gas / 10n || firstStart) {
        step(`funding ${party.name} ${party.account.address}`);
        await fundFromFaucet(funder, {
          to: party.account.address,
          eth: before.eth < LOCALNET_GRANTS.gas / 10n ? LOCALNET_GRANTS.gas : 0n,
          tokens: firstStart
            ? isClient
              ? LOCALNET_GRANTS.clientTokens
              : LOCALNET_GRANTS.providerTokens
            : 0n,
        });
      }
      if (isClient && before.deposit === 0n) {
        step(`client deposits ${LOCALNET_GRANTS.clientDeposit / ONE_TOKEN} GRID into its payment channel`);
        await deposit(ctx, LOCALNET_GRANTS.clientDeposit);
      }
      if (!isClient && before.stakeBonded === 0n) {
        step(`${party.name} stakes ${LOCALNET_GRANTS.providerStake / ONE_TOKEN} GRID`);
        await stake(ctx, LOCALNET_GRANTS.providerStake);
      }
    }

    const apiKey = await ensureApiKey(
      connect(running.network, client.account),
      config.dataDir,
      client.name,
      step,
    );

    // Coordinators bond in the registry (providers join no other) and verify results: they may
    // slash, and need gas to. Each publishes its endpoints to the registry once it serves.
    const coordinatorNames = Array.from({ length: options.coordinators ?? 1 }, (_, i) =>
      i === 0 ? 'coordinator' : `coordinator-${i + 1}`,
    );
    const bond = await registryMinStake(running.network);
    for (const name of coordinatorNames) {
      const coordinatorKey = await loadOrCreateKey(config.dataDir, name);
      if (!(await isVerifier(running.network, coordinatorKey.address))) {
        step(`granting ${name} the verifier role (it slashes providers caught cheating)`);
        await grantVerifierRole(funder, coordinatorKey.address);
        await fundFromFaucet(funder, { to: coordinatorKey.address, eth: LOCALNET_GRANTS.gas, tokens: 0n });
      }
      if (!(await isActiveCoordinator(running.network, coordinatorKey.address))) {
        step(`${name} bonds ${bond / ONE_TOKEN} GRID in the CoordinatorRegistry`);
        await fundFromFaucet(funder, { to: coordinatorKey.address, eth: 0n, tokens: bond });
        await registerCoordinator(connect(running.network, coordinatorKey), bond, { p2p: '', apiUrl: '' });
      }
    }

    const flData = options.flData
      ? await prepareLocalnetFlData(
          config.dataDir,
          providers.map((p) => p.name),
          { text: options.flData.split, split: parseSplit(options.flData.split) },
          options.flData.seed,
        )
      : undefined;
    if (flData)
      step(
        `gave each provider its own shard of MNIST (${options.flData!.split}); the test set is in ${flData.testDir}`,
      );

    const nodes: ChildNode[] = [];
    const stopAll = async () => {
      for (const node of nodes.reverse()) await node.stop();
      await running.stop();
    };
    try {
      const coordinators: ChildNode[] = [];
      for (const name of coordinatorNames) {
        step(`starting ${name}`);
        const first = coordinators[0];
        const node = await startChildNode(
          options.cliPath,
          name,
          [
            '--data-dir',
            config.dataDir,
            'coordinator',
            'start',
            '--name',
            name,
            '--api-port',
            first ? '0' : String(options.apiPort),
            ...(options.limits === false ? ['--no-limits'] : []),
            // Its providers share this machine by design: the Integrity page shows them as one cluster, uncapped.
            '--no-sybil-caps',
            // Each keeps its artifacts (and, without PostgreSQL, its SQLite) apart, and joins the mesh through the first.
            ...(first ? ['--store-dir', join(config.dataDir, name), '--peer', p2pOf(first)] : []),
            ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : []),
            ...(options.databaseUrl && coordinatorNames.length > 1 ? ['--cluster'] : []),
          ],
          { dataDir: config.dataDir },
        );
        nodes.push(node);
        coordinators.push(node);
      }
      const coordinator = coordinators[0]!;
      const coordinatorUrl = String(coordinator.info.apiUrl);
      step(`dashboard at ${coordinatorUrl}/`);
      const coordinatorP2p = p2pOf(coordinator);
      const providerNodes = await Promise.all(
        providers.map(async (provider, index) => {
          const preset = presetOf(index);
          const { cores } = preset;
          // Spread over the coordinators, each provider knowing the others to fail over to.
          const joined = coordinators.map((_, k) => p2pOf(coordinators[(index + k) % coordinators.length]!));
          step(`starting ${provider.name} (${preset.region}, ${cores} cores, ${preset.price} GRID/CPU-s)`);
          const node = await startChildNode(
            options.cliPath,
            provider.name,
            [
              '--data-dir',
              config.dataDir,
              'provider',
              'start',
              '--name',
              provider.name,
              ...joined.flatMap((address) => ['--coordinator-p2p', address]),
              '--price',
              preset.price,
              '--price-1k-tokens',
              preset.price1kTokens,
              '--region',
              preset.region,
              '--cores',
              String(cores),
              '--memory-gb',
              String(preset.memoryGb),
              '--redeem-threshold',
              LOCALNET_REDEEM_THRESHOLD,
              ...(flData ? ['--datasets-dir', flData.datasetsDirs[provider.name]!] : []),
              ...(options.adversaries?.[provider.name]
                ? ['--adversary', options.adversaries[provider.name]!]
                : []),
            ],
            { dataDir: config.dataDir },
          );
          nodes.push(node);
          return node;
        }),
      );
      await writeFile(
        join(config.dataDir, 'localnet.json'),
        `${toWireJson({
          ...running.network,
          coordinatorUrl,
          coordinatorP2p,
          coordinator: coordinator.info.address,
          // Every coordinator of the mesh: clients fail over from one to the next.
          coordinatorUrls: coordinators.map((node) => String(node.info.apiUrl)),
          coordinators: coordinators.map((node) => ({
            name: node.name,
            address: node.info.address,
            apiUrl: node.info.apiUrl,
            p2p: p2pOf(node),
            pid: node.process.pid,
          })),
          dataDir: config.dataDir,
          client: {
            name: client.name,
            address: client.account.address,
            keyFile: join('keys', 'client.key'),
            // Its API key for the OpenAI-compatible API: `idlegrid apikey show` prints it.
            apiKeyFile: join('keys', `${apiKey.keyName}.key`),
          },
          providers: providers.map((p, i) => ({
            name: p.name,
            address: p.account.address,
            keyFile: join('keys', `${p.name}.key`),
            ...presetOf(i),
          })),
          ...(flData ? { flTestDir: flData.testDir } : {}),
        })}\n`,
      );
      return {
        running,
        client,
        providers,
        coordinator,
        coordinators,
        providerNodes,
        coordinatorUrl,
        ...(flData ? { flData } : {}),
        stop: stopAll,
      };
    } catch (error) {
      for (const node of nodes) await node.stop();
      throw error;
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
}

/** A coordinator's first p2p address, as it printed it when it started. */
function p2pOf(coordinator: ChildNode): string {
  return (coordinator.info.p2pAddrs as string[])[0]!;
}
