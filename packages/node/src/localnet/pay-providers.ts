import { paymentChannelsAbi } from '@idlegrid/contracts';
import { connect, signVoucher } from '@idlegrid/sdk';
import { redeemVouchers } from '../chain/redeem-vouchers.js';
import type { Localnet } from './localnet.js';

export interface ProviderPayment {
  provider: string;
  cumulativeAmount: bigint;
  nonce: bigint;
  gasUsed: bigint;
}

/**
 * One payment round through the real contracts: the client signs each provider a
 * cumulative voucher for `amount` more, and each provider redeems it on-chain.
 */
export async function payProviders(localnet: Localnet, amount: bigint): Promise<ProviderPayment[]> {
  const { network } = localnet.running;
  const clientCtx = connect(network, localnet.client.account);
  const payments: ProviderPayment[] = [];
  const now = (await clientCtx.public.getBlock()).timestamp;
  for (const provider of localnet.providers) {
    const [paid, lastNonce] = await clientCtx.public.readContract({
      address: network.paymentChannels,
      abi: paymentChannelsAbi,
      functionName: 'redemptionOf',
      args: [localnet.client.account.address, provider.account.address],
    });
    const voucher = await signVoucher(clientCtx, localnet.client.account, {
      client: localnet.client.account.address,
      provider: provider.account.address,
      cumulativeAmount: paid + amount,
      nonce: lastNonce + 1n,
      expiry: now + 3_600n,
    });
    const sent = await redeemVouchers(connect(network, provider.account), [voucher]);
    payments.push({
      provider: provider.name,
      cumulativeAmount: voucher.message.cumulativeAmount,
      nonce: voucher.message.nonce,
      gasUsed: sent.receipt.gasUsed,
    });
  }
  return payments;
}
