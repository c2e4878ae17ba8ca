import { paymentChannelsAbi, type SentTransaction, sendContractTx } from '@idlegrid/contracts';
import type { SignerContext } from '../network/connect.js';

/** Starts the timelock after which `withdraw` returns up to `amount` of unspent deposit. */
export function requestWithdraw(ctx: SignerContext, amount: bigint): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'requestWithdraw',
    args: [amount],
  });
}

export function cancelWithdraw(ctx: SignerContext): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'cancelWithdraw',
    args: [],
  });
}

export function withdraw(ctx: SignerContext): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'withdraw',
    args: [],
  });
}
