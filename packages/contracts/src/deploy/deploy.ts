import { IdlegridError } from '@idlegrid/protocol';
import { type Address, getAddress, type Hex, keccak256, toHex } from 'viem';
import type { ChainPublicClient, ChainWalletClient } from '../chain/clients.js';
import { toIdlegridError } from '../chain/contract-errors.js';
import { sendContractTx } from '../chain/send.js';
import {
  coordinatorRegistryAbi,
  coordinatorRegistryBytecode,
  gridTokenAbi,
  gridTokenBytecode,
  paymentChannelsAbi,
  paymentChannelsBytecode,
  stakingAbi,
  stakingBytecode,
} from '../generated/artifacts.js';
import type { NetworkParameters } from './parameters.js';

/** Where a network's contracts live: everything a node needs to find them. */
export interface NetworkContracts {
  chainId: number;
  token: Address;
  coordinatorRegistry: Address;
  staking: Address;
  paymentChannels: Address;
  deployBlock: string;
}

export const VERIFIER_ROLE: Hex = keccak256(toHex('VERIFIER_ROLE'));

interface Clients {
  public: ChainPublicClient;
  wallet: ChainWalletClient;
}

async function deploy(
  clients: Clients,
  name: string,
  abi: readonly unknown[],
  bytecode: Hex,
  args: unknown[],
) {
  try {
    const hash = await clients.wallet.deployContract({ abi, bytecode, args } as never);
    const receipt = await clients.public.waitForTransactionReceipt({ hash });
    if (!receipt.contractAddress || receipt.status !== 'success')
      throw new Error(`${name} deployment reverted`);
    return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
  } catch (error) {
    throw toIdlegridError(error, `deploy ${name}`);
  }
}

/**
 * Deploys GridToken (supply to the treasury), CoordinatorRegistry, Staking and PaymentChannels,
 * and grants the verifier role.
 */
export async function deployNetwork(clients: Clients, params: NetworkParameters): Promise<NetworkContracts> {
  const admin = clients.wallet.account.address;
  const token = await deploy(clients, 'GridToken', gridTokenAbi, gridTokenBytecode, [
    params.treasury,
    params.tokenSupply,
  ]);
  const registry = await deploy(
    clients,
    'CoordinatorRegistry',
    coordinatorRegistryAbi,
    coordinatorRegistryBytecode,
    [token.address, params.treasury, params.coordinatorMinStake, params.unbondingDelaySeconds, admin],
  );
  const staking = await deploy(clients, 'Staking', stakingAbi, stakingBytecode, [
    token.address,
    registry.address,
    params.treasury,
    params.unbondingDelaySeconds,
    params.challengerShareBps,
    params.stakeFloorMultiplier,
    admin,
  ]);
  const channels = await deploy(clients, 'PaymentChannels', paymentChannelsAbi, paymentChannelsBytecode, [
    token.address,
    params.treasury,
    params.feeBps,
    params.withdrawTimelockSeconds,
  ]);
  await sendContractTx(clients, {
    address: staking.address,
    abi: stakingAbi,
    functionName: 'grantRole',
    args: [VERIFIER_ROLE, params.verifier],
  });
  return {
    chainId: clients.public.chain.id,
    token: token.address,
    coordinatorRegistry: registry.address,
    staking: staking.address,
    paymentChannels: channels.address,
    deployBlock: token.block.toString(),
  };
}

/** Throws CONTRACTS_NOT_DEPLOYED unless code exists at every address (a stale config, a reset chain). */
export async function assertDeployed(client: ChainPublicClient, contracts: NetworkContracts): Promise<void> {
  const chainId = await client.getChainId().catch((error: unknown) => {
    throw toIdlegridError(error, 'read chain id');
  });
  if (chainId !== contracts.chainId) {
    throw new IdlegridError(
      'CHAIN_MISMATCH',
      `RPC serves chain ${chainId}, network expects ${contracts.chainId}`,
    );
  }
  for (const [name, address] of Object.entries({
    token: contracts.token,
    coordinatorRegistry: contracts.coordinatorRegistry,
    staking: contracts.staking,
    paymentChannels: contracts.paymentChannels,
  })) {
    const code = await client.getCode({ address });
    if (!code || code === '0x') {
      throw new IdlegridError('CONTRACTS_NOT_DEPLOYED', `no ${name} contract at ${address}`, {
        details: { name, address },
      });
    }
  }
}
