import { gridTokenAbi, type SentTransaction, sendContractTx, stakingAbi } from '@idlegrid/contracts';
import type { SignerContext } from '@idlegrid/sdk';

/** Bonds `amount` tokens as the provider's stake (approval, then stake). */
export async function stake(ctx: SignerContext, amount: bigint): Promise<SentTransaction> {
  await sendContractTx(ctx, {
    address: ctx.network.token,
    abi: gridTokenAbi,
    functionName: 'approve',
    args: [ctx.network.staking, amount],
  });
  return sendContractTx(ctx, {
    address: ctx.network.staking,
    abi: stakingAbi,
    functionName: 'stake',
    args: [amount],
  });
}
