import { IdlegridError } from '@idlegrid/protocol';
import { type Address, type Hex, isAddressEqual, keccak256, toHex } from 'viem';
import type { ChainPublicClient } from '../chain/clients.js';
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
import { type Clients, deployContract as deploy } from './deploy-contract.js';
import { deployGovernance } from './deploy-governance.js';
import type { NetworkParameters } from './parameters.js';

/** Where a network's contracts live: everything a node needs to find them. */
export interface NetworkContracts {
  chainId: number;
  token: Address;
  coordinatorRegistry: Address;
  staking: Address;
  paymentChannels: Address;
  /** The Governor GRID holders vote in, and the timelock that owns the parameters. */
  governor: Address;
  timelock: Address;
  deployBlock: string;
}

export const VERIFIER_ROLE: Hex = keccak256(toHex('VERIFIER_ROLE'));

/**
 * Deploys GridToken (supply to the treasury), CoordinatorRegistry, the governance timelock and
 * Governor, Staking and PaymentChannels (both owned by the timelock), and grants the verifier
 * role. The deployer keeps only the admin of the verifier role (it admits coordinators).
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
  const governance = await deployGovernance(clients, token.address, params.governance);
  const staking = await deploy(clients, 'Staking', stakingAbi, stakingBytecode, [
    token.address,
    registry.address,
    params.treasury,
    params.unbondingDelaySeconds,
    params.challengerShareBps,
    params.stakeFloorMultiplier,
    admin,
    governance.timelock,
  ]);
  const channels = await deploy(clients, 'PaymentChannels', paymentChannelsAbi, paymentChannelsBytecode, [
    token.address,
    params.treasury,
    params.feeBps,
    params.withdrawTimelockSeconds,
    governance.timelock,
  ]);
  await sendContractTx(clients, {
    address: staking.address,
    abi: stakingAbi,
    functionName: 'grantRole',
    args: [VERIFIER_ROLE, params.verifier],
  });
  // A treasury this key holds votes with its supply from the start (a localnet's funder).
  if (isAddressEqual(params.treasury, admin)) {
    await sendContractTx(clients, {
      address: token.address,
      abi: gridTokenAbi,
      functionName: 'delegate',
      args: [admin],
    });
  }
  return {
    chainId: clients.public.chain.id,
    token: token.address,
    coordinatorRegistry: registry.address,
    staking: staking.address,
    paymentChannels: channels.address,
    governor: governance.governor,
    timelock: governance.timelock,
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
    governor: contracts.governor,
    timelock: contracts.timelock,
  })) {
    const code = await client.getCode({ address });
    if (!code || code === '0x') {
      throw new IdlegridError('CONTRACTS_NOT_DEPLOYED', `no ${name} contract at ${address}`, {
        details: { name, address },
      });
    }
  }
}
