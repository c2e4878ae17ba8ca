import type { Voucher } from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import { sendContractTx } from '../chain/send.js';
import { paymentChannelsAbi } from '../generated/artifacts.js';
import type { Actor, TestChain } from './test-chain.js';

/** Thin typed calls on PaymentChannels for tests and benchmarks. */
export function channelDriver(chain: TestChain) {
  const address = chain.contracts.paymentChannels;
  const write = (actor: Actor, functionName: string, args: readonly unknown[]) =>
    sendContractTx(chain.clientsOf(actor), { address, abi: paymentChannelsAbi, functionName, args } as never);
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    chain.publicClient.readContract({
      address,
      abi: paymentChannelsAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  return {
    async deposit(client: Actor, amount: bigint) {
      await chain.approve(client, address, amount);
      return write(client, 'deposit', [amount]);
    },
    redeem: (provider: Actor, voucher: Voucher, signature: Hex) =>
      write(provider, 'redeem', [voucher, signature]),
    redeemMany: (provider: Actor, vouchers: Voucher[], signatures: Hex[]) =>
      write(provider, 'redeemMany', [vouchers, signatures]),
    requestWithdraw: (client: Actor, amount: bigint) => write(client, 'requestWithdraw', [amount]),
    cancelWithdraw: (client: Actor) => write(client, 'cancelWithdraw', []),
    withdraw: (client: Actor) => write(client, 'withdraw', []),
    authorizeSessionKey: (client: Actor, key: Address, cap: bigint, expiry: bigint) =>
      write(client, 'authorizeSessionKey', [key, cap, expiry]),
    revokeSessionKey: (client: Actor, key: Address) => write(client, 'revokeSessionKey', [key]),
    async channelOf(client: Address) {
      const [balance, withdrawAmount, withdrawUnlockAt] = await read<[bigint, bigint, bigint]>('channelOf', [
        client,
      ]);
      return { balance, withdrawAmount, withdrawUnlockAt };
    },
    async redemptionOf(client: Address, provider: Address) {
      const [paid, nonce] = await read<[bigint, bigint]>('redemptionOf', [client, provider]);
      return { paid, nonce };
    },
    hashVoucher: (voucher: Voucher) => read<Hex>('hashVoucher', [voucher]),
  };
}

export type ChannelDriver = ReturnType<typeof channelDriver>;
