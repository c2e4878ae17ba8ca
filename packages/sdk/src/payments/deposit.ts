import {
  gridTokenAbi,
  paymentChannelsAbi,
  type SentTransaction,
  sendContractTx,
  signPermit,
} from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { SignerContext } from '../network/connect.js';

/**
 * Deposits tokens into the client's payment channel in one transaction, approving the
 * contract with an EIP-2612 permit signature instead of a separate approve transaction.
 */
export async function deposit(ctx: SignerContext, amount: bigint): Promise<SentTransaction> {
  if (amount <= 0n) throw new IdlegridError('INVALID_ARGUMENT', 'deposit amount must be positive');
  const owner = ctx.wallet.account.address;
  const { token, paymentChannels, chainId } = ctx.network;
  const [nonce, block] = await Promise.all([
    ctx.public.readContract({ address: token, abi: gridTokenAbi, functionName: 'nonces', args: [owner] }),
    ctx.public.getBlock(),
  ]);
  const deadline = block.timestamp + 3_600n;
  const { v, r, s } = await signPermit(
    { address: owner, signTypedData: (typedData) => ctx.wallet.signTypedData(typedData) },
    {
      token,
      chainId,
      spender: paymentChannels,
      value: amount,
      nonce,
      deadline,
    },
  );
  return sendContractTx(ctx, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'depositWithPermit',
    args: [amount, deadline, v, r, s],
  });
}
