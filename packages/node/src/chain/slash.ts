import { type SentTransaction, sendContractTx, stakingAbi } from '@idlegrid/contracts';
import type { SignerContext } from '@idlegrid/sdk';
import type { Address, Hex } from 'viem';

/**
 * Slashes a provider found wrong (the caller holds the verifier role): `amount` leaves its
 * stake, the challenger's share goes to whoever caught it, the rest to the treasury. The
 * evidence hash names the stored evidence and can slash only once.
 */
export function slash(
  ctx: SignerContext,
  args: { provider: Address; amount: bigint; evidenceHash: Hex; challenger: Address },
): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.staking,
    abi: stakingAbi,
    functionName: 'slash',
    args: [args.provider, args.amount, args.evidenceHash, args.challenger],
  });
}
