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
 * A deposit past half its time is read again in the background while the one held still
 * answers, so a steady client's jobs never wait for the chain (a read there costs more than
 * the rest of taking a job). A deposit can only shrink by a withdrawal, which waits out the
 * contract's timelock, or by redemptions of the client's own vouchers.
 */
export function chainDepositCheck(network: NetworkConfig, ttlMs = 10_000): DepositCheck {
  const client = publicClientFor(network.chainId, network.rpcUrl);
  const known = new Map<Address, { balance: bigint; at: number }>();
  const refreshing = new Set<Address>();
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
  const refresh = (address: Address) => {
    if (refreshing.has(address)) return;
    refreshing.add(address);
    read(address)
      .catch(() => {})
      .finally(() => refreshing.delete(address));
  };
  return async (address, maxPrice) => {
    const cached = known.get(address);
    const age = cached ? Date.now() - cached.at : Number.POSITIVE_INFINITY;
    const fresh = cached !== undefined && age < ttlMs && cached.balance >= maxPrice;
    if (fresh && age >= ttlMs / 2) refresh(address);
    const balance = fresh ? cached.balance : await read(address);
    if (balance < maxPrice) {
      throw new IdlegridError(
        'INSUFFICIENT_FUNDS',
        `deposit ${balance} cannot cover the most this work can cost, ${maxPrice} (a job's max price, or a federated run's rounds × clients × price per update)`,
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
