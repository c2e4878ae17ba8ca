import { paymentChannelsAbi, type SentTransaction, sendContractTx } from '@idlegrid/contracts';
import type { Address } from 'viem';
import type { SignerContext } from '../network/connect.js';

/**
 * Lets `key` sign vouchers on the client's behalf up to `cap` tokens until `expiry`:
 * an API key that can never spend more than it was granted.
 */
export function authorizeSessionKey(
  ctx: SignerContext,
  key: Address,
  cap: bigint,
  expiry: bigint,
): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'authorizeSessionKey',
    args: [key, cap, expiry],
  });
}

export function revokeSessionKey(ctx: SignerContext, key: Address): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'revokeSessionKey',
    args: [key],
  });
}
