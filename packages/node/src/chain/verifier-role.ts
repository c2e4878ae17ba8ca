import {
  publicClientFor,
  sendContractTx,
  stakingAbi,
  toIdlegridError,
  VERIFIER_ROLE,
} from '@idlegrid/contracts';
import type { NetworkConfig, SignerContext } from '@idlegrid/sdk';
import type { Address } from 'viem';
import { cachedAccountCheck, isActiveCoordinator } from './coordinator-registry.js';

/** Whether `account` may slash (holds the Staking contract's verifier role). */
export async function isVerifier(network: NetworkConfig, account: Address): Promise<boolean> {
  try {
    return await publicClientFor(network.chainId, network.rpcUrl).readContract({
      address: network.staking,
      abi: stakingAbi,
      functionName: 'hasRole',
      args: [VERIFIER_ROLE, account],
    });
  } catch (error) {
    throw toIdlegridError(error, 'read the verifier role');
  }
}

/**
 * Whether `account` may slash today: the verifier role and an active registration, both of
 * which Staking checks. Remembered per account for a minute: the mesh asks it of every
 * punishment it hears of.
 */
export function slasherCheck(network: NetworkConfig): (account: Address) => Promise<boolean> {
  return cachedAccountCheck(
    async (account) => (await isVerifier(network, account)) && (await isActiveCoordinator(network, account)),
  );
}

/** The Staking admin lets `account` slash (a coordinator that verifies results). */
export async function grantVerifierRole(admin: SignerContext, account: Address): Promise<void> {
  await sendContractTx(admin, {
    address: admin.network.staking,
    abi: stakingAbi,
    functionName: 'grantRole',
    args: [VERIFIER_ROLE, account],
  });
}
