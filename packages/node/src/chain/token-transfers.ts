import { gridTokenAbi, toIdlegridError } from '@idlegrid/contracts';
import type { ChainContext } from '@idlegrid/sdk';
import type { Address, Hex } from 'viem';

/** One GridToken transfer: who sent how much to whom, in which transaction. */
export interface TokenTransfer {
  from: Address;
  to: Address;
  amount: bigint;
  transactionHash: Hex;
  blockNumber: bigint;
}

/**
 * Every GridToken transfer since the network was deployed (or since `fromBlock`): the money
 * that moves outside of job payments, which wash-trading detection follows back to clients.
 */
export async function readTokenTransfers(chain: ChainContext, fromBlock?: bigint): Promise<TokenTransfer[]> {
  try {
    const logs = await chain.public.getContractEvents({
      address: chain.network.token,
      abi: gridTokenAbi,
      eventName: 'Transfer',
      fromBlock: fromBlock ?? BigInt(chain.network.deployBlock),
    });
    return logs.map((log) => {
      const args = log.args as { from: Address; to: Address; value: bigint };
      return {
        from: args.from,
        to: args.to,
        amount: args.value,
        transactionHash: log.transactionHash ?? '0x',
        blockNumber: log.blockNumber ?? 0n,
      };
    });
  } catch (error) {
    throw toIdlegridError(error, 'read token transfers');
  }
}
