import { paymentChannelsAbi, type SentTransaction, sendContractTx } from '@idlegrid/contracts';
import { IdlegridError, type SignedMessage } from '@idlegrid/protocol';
import type { SignerContext } from '@idlegrid/sdk';

/**
 * Redeems the provider's latest voucher from each client in one transaction: the cost
 * of getting paid is amortized over every job those vouchers cover.
 */
export async function redeemVouchers(
  ctx: SignerContext,
  vouchers: readonly SignedMessage<'Voucher'>[],
): Promise<SentTransaction> {
  if (vouchers.length === 0) throw new IdlegridError('INVALID_ARGUMENT', 'no vouchers to redeem');
  const address = ctx.network.paymentChannels;
  if (vouchers.length === 1) {
    const [only] = vouchers;
    return sendContractTx(ctx, {
      address,
      abi: paymentChannelsAbi,
      functionName: 'redeem',
      args: [only!.message, only!.signature],
    });
  }
  return sendContractTx(ctx, {
    address,
    abi: paymentChannelsAbi,
    functionName: 'redeemMany',
    args: [vouchers.map((voucher) => voucher.message), vouchers.map((voucher) => voucher.signature)],
  });
}
