import { publicClientFor, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

export type StakeLookup = (provider: Address) => Promise<bigint>;

/** A provider's bonded stake, read from the Staking contract (unbonding stake does not count). */
export function chainStakeLookup(network: NetworkConfig): StakeLookup {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  return async (provider) => {
    try {
      const [bonded] = await client.readContract({
        address: network.staking,
        abi: stakingAbi,
        functionName: 'stakeOf',
        args: [provider],
      });
      return bonded;
    } catch (error) {
      throw toIdlegridError(error, 'read the provider stake');
    }
  };
}
