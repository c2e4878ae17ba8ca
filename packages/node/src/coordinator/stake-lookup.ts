import { publicClientFor, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

export type StakeLookup = (provider: Address) => Promise<bigint>;

/**
 * The Staking contract's rules: a provider's bonded stake (unbonding stake does not count).
 * The stake floor, which governance may change, is followed in governed-settings.ts.
 */
export function chainStakeRules(network: NetworkConfig) {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const stakeOf: StakeLookup = async (provider) => {
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
  return { stakeOf };
}
