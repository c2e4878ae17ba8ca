import { type Address, type Hex, keccak256, toHex, zeroAddress } from 'viem';
import { sendContractTx } from '../chain/send.js';
import {
  gridGovernorAbi,
  gridGovernorBytecode,
  timelockControllerAbi,
  timelockControllerBytecode,
} from '../generated/artifacts.js';
import { type Clients, deployContract } from './deploy-contract.js';
import type { GovernanceSettings } from './parameters.js';

export const PROPOSER_ROLE: Hex = keccak256(toHex('PROPOSER_ROLE'));
export const CANCELLER_ROLE: Hex = keccak256(toHex('CANCELLER_ROLE'));
const DEFAULT_ADMIN_ROLE: Hex = `0x${'00'.repeat(32)}`;

/**
 * The TimelockController (which will own the parameters) and the Governor that alone may
 * queue in it. Anyone may execute a queued operation once its delay passed (executor: the zero
 * address). The deployer is the timelock's admin only while wiring the governor in, then
 * renounces, so nothing but a vote can change the network's parameters.
 */
export async function deployGovernance(clients: Clients, token: Address, settings: GovernanceSettings) {
  const deployer = clients.wallet.account.address;
  const timelock = await deployContract(
    clients,
    'TimelockController',
    timelockControllerAbi,
    timelockControllerBytecode,
    [settings.timelockDelaySeconds, [], [zeroAddress], deployer],
  );
  const governor = await deployContract(clients, 'GridGovernor', gridGovernorAbi, gridGovernorBytecode, [
    token,
    timelock.address,
    settings.votingDelaySeconds,
    settings.votingPeriodSeconds,
    settings.proposalThreshold,
    BigInt(settings.quorumPercent),
  ]);
  const timelockCall = (functionName: 'grantRole' | 'renounceRole', args: readonly [Hex, Address]) =>
    sendContractTx(clients, { address: timelock.address, abi: timelockControllerAbi, functionName, args });
  await timelockCall('grantRole', [PROPOSER_ROLE, governor.address]);
  await timelockCall('grantRole', [CANCELLER_ROLE, governor.address]);
  await timelockCall('renounceRole', [DEFAULT_ADMIN_ROLE, deployer]);
  return { timelock: timelock.address, governor: governor.address };
}
