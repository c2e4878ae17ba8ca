import { type SignedMessage, signMessage, type TypedDataSigner } from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { ChainContext } from '../network/connect.js';

export interface VoucherRequest {
  client: Address;
  provider: Address;
  /** Total owed to this provider so far, not the increment. */
  cumulativeAmount: bigint;
  /** Must grow with every voucher to the same provider. */
  nonce: bigint;
  /** Unix seconds after which the voucher cannot be redeemed. */
  expiry: bigint;
}

/** Signs a cumulative voucher, by the client itself or by a session key it authorized. */
export function signVoucher(
  ctx: ChainContext,
  signer: TypedDataSigner,
  voucher: VoucherRequest,
): Promise<SignedMessage<'Voucher'>> {
  return signMessage(signer, ctx.domain, 'Voucher', voucher);
}
