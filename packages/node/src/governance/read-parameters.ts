import { paymentChannelsAbi, publicClientFor, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { NetworkParameterValues } from './api.js';
import { policyFromChain } from './verification-encoding.js';

/** The governed parameters as the chain holds them now (each redemption and slash reads the same). */
export async function readNetworkParameters(network: NetworkConfig): Promise<NetworkParameterValues> {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const staking = { address: network.staking, abi: stakingAbi } as const;
  try {
    const [feeBps, floor, delay, share, [kind, value]] = await Promise.all([
      client.readContract({
        address: network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'feeBps',
      }),
      client.readContract({ ...staking, functionName: 'stakeFloorMultiplier' }),
      client.readContract({ ...staking, functionName: 'unbondingDelay' }),
      client.readContract({ ...staking, functionName: 'challengerShareBps' }),
      client.readContract({ ...staking, functionName: 'defaultVerification' }),
    ]);
    return {
      feeBps,
      stakeFloorMultiplier: floor,
      unbondingDelaySeconds: Number(delay),
      challengerShareBps: share,
      defaultVerification: policyFromChain(kind, value),
    };
  } catch (error) {
    throw toIdlegridError(error, 'read the network parameters');
  }
}
