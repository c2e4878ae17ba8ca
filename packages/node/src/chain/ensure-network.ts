import {
  type Anvil,
  assertDeployed,
  defaultParameters,
  deployNetwork,
  type GovernanceSettings,
  LOCALNET_GOVERNANCE,
  ONE_TOKEN,
  PUBLIC_GOVERNANCE,
  publicClientFor,
  walletClientFor,
} from '@idlegrid/contracts';
import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import {
  accountFromPrivateKey,
  loadOrCreateKey,
  type NetworkConfig,
  readNetworkConfig,
  writeNetworkConfig,
} from '@idlegrid/sdk';
import type { PrivateKeyAccount } from 'viem';
import type { NodeConfig } from '../config/config.js';
import { mintGas, startEmbeddedChain } from './embedded-chain.js';

/** On the embedded chain the funder deploys, holds the token supply (treasury) and runs the faucet. */
export const FUNDER_KEY_NAME = 'funder';

export interface RunningNetwork {
  network: NetworkConfig;
  /** The deployer/treasury account, when this data directory holds its key. */
  funder: PrivateKeyAccount;
  /** True when the contracts were deployed by this start (first start or a reset chain). */
  deployed: boolean;
  anvil?: Anvil;
  stop(): Promise<void>;
}

/**
 * Brings up the network described by the config: starts the embedded chain (unless an
 * RPC URL is given), reuses the contracts recorded in DIR/network.json when they are
 * really there, and deploys them otherwise. One code path for anvil and external chains.
 */
export async function ensureNetwork(config: NodeConfig, signal?: AbortSignal): Promise<RunningNetwork> {
  const embedded = config.rpcUrl === undefined;
  const funder = config.deployerKey
    ? accountFromPrivateKey(config.deployerKey, 'IDLEGRID_DEPLOYER_KEY')
    : await loadOrCreateKey(config.dataDir, FUNDER_KEY_NAME);

  let anvil: Anvil | undefined;
  let rpcUrl = config.rpcUrl;
  if (embedded) {
    anvil = await startEmbeddedChain({
      dataDir: config.dataDir,
      port: config.chainPort,
      stateIntervalSeconds: config.chainStateIntervalSeconds,
      ...(signal ? { signal } : {}),
    });
    rpcUrl = anvil.rpcUrl;
  }
  const stop = async () => {
    await anvil?.stop();
  };

  try {
    const client = publicClientFor(await chainIdOf(rpcUrl!), rpcUrl!);
    const chainId = client.chain.id;
    if (anvil) await mintGas(anvil, funder.address);

    const existing = await readNetworkConfig(config.dataDir).catch((error: unknown) => {
      if (isIdlegridError(error, 'NETWORK_NOT_CONFIGURED')) return undefined;
      // A network file of an older release (no CoordinatorRegistry, say): redeploy on our own chain.
      if (isIdlegridError(error, 'CONFIG_INVALID') && embedded) return undefined;
      throw error;
    });
    if (existing && existing.chainId === chainId) {
      const network = { ...existing, rpcUrl: rpcUrl!, embedded };
      const present = await assertDeployed(client, network).then(
        () => true,
        (error: unknown) => {
          if (isIdlegridError(error, 'CONTRACTS_NOT_DEPLOYED') && embedded) return false;
          throw error;
        },
      );
      if (present) {
        await writeNetworkConfig(config.dataDir, network);
        return { network, funder, deployed: false, ...(anvil ? { anvil } : {}), stop };
      }
    }

    const wallet = walletClientFor(chainId, rpcUrl!, funder);
    const contracts = await deployNetwork(
      { public: client, wallet },
      { ...defaultParameters(funder.address), governance: governanceOf(config, embedded) },
    );
    const network: NetworkConfig = { rpcUrl: rpcUrl!, embedded, ...contracts };
    await writeNetworkConfig(config.dataDir, network);
    return { network, funder, deployed: true, ...(anvil ? { anvil } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The Governor's settings: the network's kind of defaults, then the config file's choices. */
function governanceOf(config: NodeConfig, embedded: boolean): GovernanceSettings {
  const base = embedded ? LOCALNET_GOVERNANCE : PUBLIC_GOVERNANCE;
  const chosen = config.governance ?? {};
  return {
    votingDelaySeconds: chosen.votingDelaySeconds ?? base.votingDelaySeconds,
    votingPeriodSeconds: chosen.votingPeriodSeconds ?? base.votingPeriodSeconds,
    timelockDelaySeconds:
      chosen.timelockDelaySeconds === undefined
        ? base.timelockDelaySeconds
        : BigInt(chosen.timelockDelaySeconds),
    proposalThreshold:
      chosen.proposalThresholdGrid === undefined
        ? base.proposalThreshold
        : BigInt(chosen.proposalThresholdGrid) * ONE_TOKEN,
    quorumPercent: chosen.quorumPercent ?? base.quorumPercent,
  };
}

async function chainIdOf(rpcUrl: string): Promise<number> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    const body = (await response.json()) as { result?: string };
    if (!body.result) throw new Error('no chain id in response');
    return Number(body.result);
  } catch (cause) {
    throw new IdlegridError('CHAIN_UNAVAILABLE', `cannot reach the chain at ${rpcUrl}`, { cause });
  }
}
