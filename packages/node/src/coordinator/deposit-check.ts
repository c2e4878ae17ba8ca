import { paymentChannelsAbi, publicClientFor, toIdlegridError } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

export type DepositCheck = (client: Address, maxPrice: bigint) => Promise<void>;

/**
 * Refuses jobs from clients whose payment-channel deposit cannot cover the job's max
 * price: a provider must never run work that nobody can pay for. Read from the chain.
 */
export function chainDepositCheck(network: NetworkConfig): DepositCheck {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  return async (address, maxPrice) => {
    let balance: bigint;
    try {
      [balance] = await client.readContract({
        address: network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'channelOf',
        args: [address],
      });
    } catch (error) {
      throw toIdlegridError(error, 'read the client deposit');
    }
    if (balance < maxPrice) {
      throw new IdlegridError(
        'INSUFFICIENT_FUNDS',
        `deposit ${balance} cannot cover the job's max price ${maxPrice}`,
        {
          details: {
            deposit: balance.toString(),
            maxPrice: maxPrice.toString(),
            hint: 'deposit first: the SDK `deposit`',
          },
        },
      );
    }
  };
}
