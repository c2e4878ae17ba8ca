import { gridTokenAbi, sendContractTx, toIdlegridError } from '@idlegrid/contracts';
import { IdlegridError } from '@idlegrid/protocol';
import type { SignerContext } from '@idlegrid/sdk';
import type { Address } from 'viem';

export interface FaucetGrant {
  to: Address;
  eth: bigint;
  tokens: bigint;
}

/**
 * Sends gas money and tokens from the local network's funder (its treasury). Only a
 * network whose chain is embedded in this data directory has a faucet.
 */
export async function fundFromFaucet(funder: SignerContext, grant: FaucetGrant): Promise<void> {
  if (!funder.network.embedded) {
    throw new IdlegridError(
      'FAUCET_UNAVAILABLE',
      'the faucet only exists on a local network (idlegrid localnet)',
    );
  }
  if (grant.eth > 0n) {
    try {
      const hash = await funder.wallet.sendTransaction({ to: grant.to, value: grant.eth });
      await funder.public.waitForTransactionReceipt({ hash });
    } catch (error) {
      throw toIdlegridError(error, 'faucet gas transfer');
    }
  }
  if (grant.tokens > 0n) {
    await sendContractTx(funder, {
      address: funder.network.token,
      abi: gridTokenAbi,
      functionName: 'transfer',
      args: [grant.to, grant.tokens],
    });
  }
}
