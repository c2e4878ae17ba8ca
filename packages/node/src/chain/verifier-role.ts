import {
  publicClientFor,
  sendContractTx,
  stakingAbi,
  toIdlegridError,
  VERIFIER_ROLE,
} from '@idlegrid/contracts';
import type { NetworkConfig, SignerContext } from '@idlegrid/sdk';
import type { Address } from 'viem';

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

/** `isVerifier`, remembered per account for a minute: the mesh asks it of every punishment it hears of. */
export function verifierCheck(network: NetworkConfig): (account: Address) => Promise<boolean> {
  const known = new Map<string, { verifier: boolean; at: number }>();
  return async (account) => {
    const cached = known.get(account.toLowerCase());
    if (cached && Date.now() - cached.at < 60_000) return cached.verifier;
    const verifier = await isVerifier(network, account);
    known.set(account.toLowerCase(), { verifier, at: Date.now() });
    return verifier;
  };
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
