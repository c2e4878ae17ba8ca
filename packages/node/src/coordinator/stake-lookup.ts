import { publicClientFor, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

export type StakeLookup = (provider: Address) => Promise<bigint>;

/**
 * The Staking contract's rules: a provider's bonded stake (unbonding stake does not count),
 * and the stake floor: how many times a job's value a provider must have bonded to take it.
 * The coordinator holds placements to the same floor the contract enforces.
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
  const floorMultiplier = async (): Promise<number> => {
    try {
      return Number(
        await client.readContract({
          address: network.staking,
          abi: stakingAbi,
          functionName: 'stakeFloorMultiplier',
        }),
      );
    } catch (error) {
      throw toIdlegridError(error, 'read the stake floor');
    }
  };
  return { stakeOf, floorMultiplier };
}
