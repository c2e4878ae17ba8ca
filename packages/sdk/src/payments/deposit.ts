import { gridTokenAbi, paymentChannelsAbi, type SentTransaction, sendContractTx } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import { parseSignature } from 'viem';
import type { SignerContext } from '../network/connect.js';

const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

/**
 * Deposits tokens into the client's payment channel in one transaction, approving the
 * contract with an EIP-2612 permit signature instead of a separate approve transaction.
 */
export async function deposit(ctx: SignerContext, amount: bigint): Promise<SentTransaction> {
  if (amount <= 0n) throw new IdlegridError('INVALID_ARGUMENT', 'deposit amount must be positive');
  const owner = ctx.wallet.account.address;
  const { token, paymentChannels, chainId } = ctx.network;
  const [nonce, name, block] = await Promise.all([
    ctx.public.readContract({ address: token, abi: gridTokenAbi, functionName: 'nonces', args: [owner] }),
    ctx.public.readContract({ address: token, abi: gridTokenAbi, functionName: 'name' }),
    ctx.public.getBlock(),
  ]);
  const deadline = block.timestamp + 3_600n;
  const signature = await ctx.wallet.signTypedData({
    domain: { name, version: '1', chainId, verifyingContract: token },
    types: PERMIT_TYPES,
    primaryType: 'Permit',
    message: { owner, spender: paymentChannels, value: amount, nonce, deadline },
  });
  const { v, r, s } = parseSignature(signature);
  return sendContractTx(ctx, {
    address: paymentChannels,
    abi: paymentChannelsAbi,
    functionName: 'depositWithPermit',
    args: [amount, deadline, Number(v), r, s],
  });
}
