import { gridTokenAbi, paymentChannelsAbi, stakingAbi, toIdlegridError } from '@idlegrid/contracts';
import type { Address } from 'viem';
import type { ChainContext } from '../network/connect.js';

export interface Balances {
  address: Address;
  /** Native currency (gas), in wei. */
  eth: bigint;
  /** GRID tokens in the wallet, in base units (18 decimals). */
  tokens: bigint;
  /** Unspent payment-channel deposit. */
  deposit: bigint;
  stakeBonded: bigint;
  stakeUnbonding: bigint;
}

export async function getBalances(ctx: ChainContext, address: Address): Promise<Balances> {
  const { token, staking, paymentChannels } = ctx.network;
  try {
    const [eth, tokens, channel, stake] = await Promise.all([
      ctx.public.getBalance({ address }),
      ctx.public.readContract({
        address: token,
        abi: gridTokenAbi,
        functionName: 'balanceOf',
        args: [address],
      }),
      ctx.public.readContract({
        address: paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'channelOf',
        args: [address],
      }),
      ctx.public.readContract({
        address: staking,
        abi: stakingAbi,
        functionName: 'stakeOf',
        args: [address],
      }),
    ]);
    return { address, eth, tokens, deposit: channel[0], stakeBonded: stake[0], stakeUnbonding: stake[1] };
  } catch (error) {
    throw toIdlegridError(error, 'read balances');
  }
}
