import { MESSAGE_TYPES, type Voucher } from '@idlegrid/protocol';
import { type Hex, hashTypedData } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendContractTx } from '../chain/send.js';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { paymentChannelsAbi } from '../generated/artifacts.js';
import { type ChannelDriver, channelDriver } from '../testing/channel-driver.js';
import { expectFailure } from '../testing/expect-revert.js';
import { type Actor, startTestChain, type TestChain } from '../testing/test-chain.js';

let chain: TestChain;
let channels: ChannelDriver;

beforeAll(async () => {
  chain = await startTestChain({ feeBps: 250, withdrawTimelockSeconds: 3_600n });
  channels = channelDriver(chain);
});
afterAll(() => chain?.stop());

async function voucherFor(
  client: Actor,
  provider: Actor,
  cumulativeAmount: bigint,
  nonce: bigint,
  ttl = 3_600n,
) {
  return {
    client: client.address,
    provider: provider.address,
    cumulativeAmount,
    nonce,
    expiry: (await chain.now()) + ttl,
  };
}

async function fundedChannel(deposit: bigint) {
  const client = await chain.fundedActor(deposit);
  const provider = await chain.newActor();
  await channels.deposit(client, deposit);
  return { client, provider };
}

describe('PaymentChannels', () => {
  it('computes the same EIP-712 voucher digest as the protocol package', async () => {
    const { client, provider } = await fundedChannel(ONE_TOKEN);
    const voucher = await voucherFor(client, provider, 5n, 1n);
    const offChain = hashTypedData({
      domain: chain.domain,
      types: { Voucher: MESSAGE_TYPES.Voucher },
      primaryType: 'Voucher',
      message: voucher,
    });
    expect(await channels.hashVoucher(voucher)).toBe(offChain);
  });

  it('pays the provider the cumulative difference minus the fee, and the fee to the treasury', async () => {
    const { client, provider } = await fundedChannel(100n * ONE_TOKEN);
    const treasuryBefore = await chain.tokenBalance(chain.treasury.address);
    const first = await voucherFor(client, provider, 10n * ONE_TOKEN, 1n);
    await channels.redeem(provider, first, await chain.signVoucher(client, first));
    const second = await voucherFor(client, provider, 25n * ONE_TOKEN, 2n);
    await channels.redeem(provider, second, await chain.signVoucher(client, second));

    const gross = 25n * ONE_TOKEN;
    const fee = (10n * ONE_TOKEN * 250n) / 10_000n + (15n * ONE_TOKEN * 250n) / 10_000n;
    expect(await chain.tokenBalance(provider.address)).toBe(gross - fee);
    expect((await chain.tokenBalance(chain.treasury.address)) - treasuryBefore).toBe(fee);
    expect((await channels.channelOf(client.address)).balance).toBe(75n * ONE_TOKEN);
    expect(await channels.redemptionOf(client.address, provider.address)).toEqual({ paid: gross, nonce: 2n });
  });

  it('redeems vouchers from many clients in one transaction', async () => {
    const provider = await chain.newActor();
    const vouchers: Voucher[] = [];
    const signatures: Hex[] = [];
    for (let i = 1n; i <= 3n; i++) {
      const client = await chain.fundedActor(10n * ONE_TOKEN);
      await channels.deposit(client, 10n * ONE_TOKEN);
      const voucher = await voucherFor(client, provider, i * ONE_TOKEN, 1n);
      vouchers.push(voucher);
      signatures.push(await chain.signVoucher(client, voucher));
    }
    await channels.redeemMany(provider, vouchers, signatures);
    const gross = 6n * ONE_TOKEN;
    expect(await chain.tokenBalance(provider.address)).toBe(gross - (gross * 250n) / 10_000n);
    await expectFailure(
      channels.redeemMany(provider, vouchers, signatures.slice(1)),
      'INVALID_ARGUMENT',
      'LengthMismatch',
    );
  });

  it('rejects a replayed voucher and an older one after a newer', async () => {
    const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
    const older = await voucherFor(client, provider, ONE_TOKEN, 1n);
    const newer = await voucherFor(client, provider, 2n * ONE_TOKEN, 2n);
    const olderSig = await chain.signVoucher(client, older);
    const newerSig = await chain.signVoucher(client, newer);
    await channels.redeem(provider, newer, newerSig);
    await expectFailure(channels.redeem(provider, newer, newerSig), 'VOUCHER_REPLAYED', 'VoucherReplayed');
    await expectFailure(channels.redeem(provider, older, olderSig), 'VOUCHER_REPLAYED', 'VoucherReplayed');
    const sameAmount = await voucherFor(client, provider, 2n * ONE_TOKEN, 3n);
    await expectFailure(
      channels.redeem(provider, sameAmount, await chain.signVoucher(client, sameAmount)),
      'VOUCHER_NOTHING_TO_REDEEM',
      'NothingToRedeem',
    );
  });

  it('rejects a tampered voucher and one signed by a stranger', async () => {
    const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
    const voucher = await voucherFor(client, provider, ONE_TOKEN, 1n);
    const signature = await chain.signVoucher(client, voucher);
    const tampered = { ...voucher, cumulativeAmount: 9n * ONE_TOKEN };
    await expectFailure(
      channels.redeem(provider, tampered, signature),
      'VOUCHER_SIGNATURE_INVALID',
      'UnauthorizedSigner',
    );
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await chain.signVoucher(stranger, voucher);
    await expectFailure(
      channels.redeem(provider, voucher, forged),
      'VOUCHER_SIGNATURE_INVALID',
      'UnauthorizedSigner',
    );
    expect(await chain.tokenBalance(provider.address)).toBe(0n);
  });

  it('rejects an expired voucher', async () => {
    const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
    const voucher = await voucherFor(client, provider, ONE_TOKEN, 1n, 60n);
    const signature = await chain.signVoucher(client, voucher);
    await chain.increaseTime(61);
    await expectFailure(channels.redeem(provider, voucher, signature), 'VOUCHER_EXPIRED', 'VoucherExpired');
  });

  it('rejects a voucher redeemed by a provider it was not made out to', async () => {
    const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
    const thief = await chain.newActor();
    const voucher = await voucherFor(client, provider, ONE_TOKEN, 1n);
    const signature = await chain.signVoucher(client, voucher);
    await expectFailure(
      channels.redeem(thief, voucher, signature),
      'VOUCHER_WRONG_PROVIDER',
      'WrongProvider',
    );
    const redirected = { ...voucher, provider: thief.address };
    await expectFailure(
      channels.redeem(thief, redirected, signature),
      'VOUCHER_SIGNATURE_INVALID',
      'UnauthorizedSigner',
    );
  });

  it('rejects a voucher above the deposit', async () => {
    const { client, provider } = await fundedChannel(ONE_TOKEN);
    const voucher = await voucherFor(client, provider, 2n * ONE_TOKEN, 1n);
    await expectFailure(
      channels.redeem(provider, voucher, await chain.signVoucher(client, voucher)),
      'INSUFFICIENT_FUNDS',
      'InsufficientDeposit',
    );
  });

  describe('session keys', () => {
    it('pays vouchers signed by a session key up to its cap, then refuses', async () => {
      const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
      const key = privateKeyToAccount(generatePrivateKey());
      await channels.authorizeSessionKey(client, key.address, 3n * ONE_TOKEN, (await chain.now()) + 3_600n);
      const within = await voucherFor(client, provider, 3n * ONE_TOKEN, 1n);
      await channels.redeem(provider, within, await chain.signVoucher(key, within));
      const over = await voucherFor(client, provider, 3n * ONE_TOKEN + 1n, 2n);
      await expectFailure(
        channels.redeem(provider, over, await chain.signVoucher(key, over)),
        'SESSION_KEY_CAP_EXCEEDED',
        'SessionKeyCapExceeded',
      );
      // The client's own key is not capped.
      await channels.redeem(provider, over, await chain.signVoucher(client, over));
    });

    it('refuses an expired or revoked session key', async () => {
      const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
      const expiring = privateKeyToAccount(generatePrivateKey());
      const revoked = privateKeyToAccount(generatePrivateKey());
      const now = await chain.now();
      await channels.authorizeSessionKey(client, expiring.address, ONE_TOKEN, now + 100n);
      await channels.authorizeSessionKey(client, revoked.address, ONE_TOKEN, now + 3_600n);
      await channels.revokeSessionKey(client, revoked.address);
      const voucher = await voucherFor(client, provider, 1n, 1n, 3_600n);
      await expectFailure(
        channels.redeem(provider, voucher, await chain.signVoucher(revoked, voucher)),
        'VOUCHER_SIGNATURE_INVALID',
        'UnauthorizedSigner',
      );
      await chain.increaseTime(101);
      await expectFailure(
        channels.redeem(provider, voucher, await chain.signVoucher(expiring, voucher)),
        'SESSION_KEY_EXPIRED',
        'SessionKeyExpired',
      );
    });

    it('refuses invalid authorizations', async () => {
      const client = await chain.newActor();
      const now = await chain.now();
      await expectFailure(
        channels.authorizeSessionKey(client, client.address, 1n, now + 10n),
        'INVALID_ARGUMENT',
      );
      await expectFailure(
        channels.authorizeSessionKey(client, chain.deployer.address, 1n, now - 1n),
        'INVALID_ARGUMENT',
      );
    });
  });

  describe('withdrawal', () => {
    it('returns unspent funds only after the timelock', async () => {
      const { client } = await fundedChannel(10n * ONE_TOKEN);
      await expectFailure(channels.withdraw(client), 'WITHDRAW_LOCKED', 'NoWithdrawPending');
      await channels.requestWithdraw(client, 4n * ONE_TOKEN);
      await expectFailure(channels.withdraw(client), 'WITHDRAW_LOCKED', 'WithdrawLocked');
      await chain.increaseTime(3_600);
      await channels.withdraw(client);
      expect(await chain.tokenBalance(client.address)).toBe(4n * ONE_TOKEN);
      expect((await channels.channelOf(client.address)).balance).toBe(6n * ONE_TOKEN);
    });

    it('lets providers redeem during the timelock, and pays out only what is left', async () => {
      const { client, provider } = await fundedChannel(10n * ONE_TOKEN);
      await channels.requestWithdraw(client, 10n * ONE_TOKEN);
      const voucher = await voucherFor(client, provider, 7n * ONE_TOKEN, 1n, 7_200n);
      await channels.redeem(provider, voucher, await chain.signVoucher(client, voucher));
      await chain.increaseTime(3_600);
      await channels.withdraw(client);
      expect(await chain.tokenBalance(client.address)).toBe(3n * ONE_TOKEN);
      expect((await channels.channelOf(client.address)).balance).toBe(0n);
    });

    it('can be cancelled, and never exceeds the balance when requested', async () => {
      const { client } = await fundedChannel(ONE_TOKEN);
      await expectFailure(
        channels.requestWithdraw(client, 2n * ONE_TOKEN),
        'INSUFFICIENT_FUNDS',
        'InsufficientDeposit',
      );
      await expectFailure(channels.requestWithdraw(client, 0n), 'INVALID_ARGUMENT', 'ZeroAmount');
      await channels.requestWithdraw(client, ONE_TOKEN);
      await channels.cancelWithdraw(client);
      await chain.increaseTime(3_600);
      await expectFailure(channels.withdraw(client), 'WITHDRAW_LOCKED', 'NoWithdrawPending');
      await expectFailure(channels.cancelWithdraw(client), 'WITHDRAW_LOCKED', 'NoWithdrawPending');
    });
  });

  it('refuses a zero deposit and a deposit without allowance', async () => {
    const client = await chain.fundedActor(ONE_TOKEN);
    await expectFailure(channels.deposit(client, 0n), 'INVALID_ARGUMENT', 'ZeroAmount');
    await expectFailure(
      sendContractTx(chain.clientsOf(client), {
        address: chain.contracts.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'deposit',
        args: [ONE_TOKEN],
      }),
      'INSUFFICIENT_FUNDS',
      'ERC20InsufficientAllowance',
    );
  });
});
