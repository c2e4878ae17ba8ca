import { paymentChannelsAbi, publicClientFor, toIdlegridError } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

export type DepositCheck = (client: Address, maxPrice: bigint) => Promise<void>;

/**
 * Refuses jobs from clients whose payment-channel deposit cannot cover the job's max
 * price: a provider must never run work that nobody can pay for. Read from the chain, and
 * kept for `ttlMs` while it covers the jobs asked of it: a client submitting many jobs is read
 * once, not once per job, and a deposit too small is read again at once (it may have grown).
 * A deposit can only shrink by a withdrawal, which waits out the contract's timelock.
 */
export function chainDepositCheck(network: NetworkConfig, ttlMs = 2_000): DepositCheck {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const known = new Map<Address, { balance: bigint; at: number }>();
  const read = async (address: Address) => {
    try {
      const [balance] = await client.readContract({
        address: network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'channelOf',
        args: [address],
      });
      known.set(address, { balance, at: Date.now() });
      return balance;
    } catch (error) {
      throw toIdlegridError(error, 'read the client deposit');
    }
  };
  return async (address, maxPrice) => {
    const cached = known.get(address);
    const fresh = cached && Date.now() - cached.at < ttlMs && cached.balance >= maxPrice;
    const balance = fresh ? cached.balance : await read(address);
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
