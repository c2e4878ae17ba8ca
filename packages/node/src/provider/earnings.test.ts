import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultParameters, ONE_TOKEN } from '@idlegrid/contracts';
import { networkDomain } from '@idlegrid/protocol';
import { deposit, getBalances, signVoucher } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNetwork } from '../chain/ensure-network.js';
import { startTestNetwork, type TestNetwork } from '../chain/test-network.js';
import { EarningsWallet } from './earnings.js';

let testNetwork: TestNetwork;
let dataDir: string;
let net: RunningNetwork;
beforeAll(async () => {
  testNetwork = await startTestNetwork();
  ({ dataDir, net } = testNetwork);
});
afterAll(() => testNetwork?.stop());

const newParty = (tokens: bigint) => testNetwork.newParty(tokens);

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe('provider earnings wallet', () => {
  it('keeps the latest valid voucher per client, persists it, and redeems all at a threshold', async () => {
    const [alice, bob, provider] = [
      await newParty(50n * ONE_TOKEN),
      await newParty(50n * ONE_TOKEN),
      await newParty(0n),
    ];
    await deposit(alice.ctx, 40n * ONE_TOKEN);
    await deposit(bob.ctx, 40n * ONE_TOKEN);
    const walletDir = join(dataDir, 'provider-a');
    const domain = provider.ctx.domain;
    let wallet = await EarningsWallet.open(walletDir, provider.account.address, domain);
    const expiry = BigInt(Math.floor(Date.now() / 1000)) + 3_600n;
    const voucher = (
      from: typeof alice,
      cumulativeAmount: bigint,
      nonce: bigint,
      to = provider.account.address,
    ) =>
      signVoucher(from.ctx, from.account, {
        client: from.account.address,
        provider: to,
        cumulativeAmount,
        nonce,
        expiry,
      });

    expect(await wallet.accept(await voucher(alice, 5n * ONE_TOKEN, 1n))).toEqual({
      client: alice.account.address,
      increase: 5n * ONE_TOKEN,
    });
    expect((await wallet.accept(await voucher(alice, 12n * ONE_TOKEN, 2n))).increase).toBe(7n * ONE_TOKEN);
    // An old voucher, or a newer one that lowers the total, does not replace the one held.
    expect(await codeOf(wallet.accept(await voucher(alice, 20n * ONE_TOKEN, 2n)))).toBe('VOUCHER_STALE');
    expect(await codeOf(wallet.accept(await voucher(alice, 11n * ONE_TOKEN, 3n)))).toBe('VOUCHER_STALE');
    // Signed by someone else in alice's name, made out to another provider, signed for another network.
    const forged = await signVoucher(bob.ctx, bob.account, {
      client: alice.account.address,
      provider: provider.account.address,
      cumulativeAmount: 30n * ONE_TOKEN,
      nonce: 9n,
      expiry,
    });
    expect(await codeOf(wallet.accept(forged))).toBe('VOUCHER_SIGNATURE_INVALID');
    expect(await codeOf(wallet.accept(await voucher(alice, 30n * ONE_TOKEN, 9n, bob.account.address)))).toBe(
      'VOUCHER_WRONG_PROVIDER',
    );
    const otherNetwork = { ...alice.ctx, domain: networkDomain(1, alice.account.address) };
    const foreign = await signVoucher(otherNetwork, alice.account, {
      client: alice.account.address,
      provider: provider.account.address,
      cumulativeAmount: 30n * ONE_TOKEN,
      nonce: 9n,
      expiry,
    });
    expect(await codeOf(wallet.accept(foreign))).toBe('VOUCHER_SIGNATURE_INVALID');
    expect(wallet.summary()).toEqual({
      clients: 1,
      earned: 12n * ONE_TOKEN,
      redeemed: 0n,
      unredeemed: 12n * ONE_TOKEN,
    });

    const threshold = 20n * ONE_TOKEN;
    expect(await wallet.redeemIfDue(provider.ctx, threshold)).toBeUndefined();
    // Reopened from disk, the wallet still holds alice's latest voucher and still refuses stale ones.
    wallet = await EarningsWallet.open(walletDir, provider.account.address, domain);
    expect(wallet.summary().unredeemed).toBe(12n * ONE_TOKEN);
    expect(await codeOf(wallet.accept(await voucher(alice, 12n * ONE_TOKEN, 2n)))).toBe('VOUCHER_STALE');
    await wallet.accept(await voucher(bob, 10n * ONE_TOKEN, 1n));

    const redemption = await wallet.redeemIfDue(provider.ctx, threshold);
    expect(redemption).toMatchObject({ vouchers: 2, amount: 22n * ONE_TOKEN });
    const receipt = await provider.ctx.public.getTransactionReceipt({ hash: redemption!.hash });
    expect(receipt.status).toBe('success');
    const gross = 22n * ONE_TOKEN;
    const fee = (gross * BigInt(defaultParameters(provider.account.address).feeBps)) / 10_000n;
    expect((await getBalances(provider.ctx, provider.account.address)).tokens).toBe(gross - fee);
    expect(wallet.summary()).toEqual({ clients: 2, earned: gross, redeemed: gross, unredeemed: 0n });
    expect(await wallet.redeem(provider.ctx)).toBeUndefined();

    // Later jobs: only the increase over what was redeemed is pending, and it survives a restart.
    await wallet.accept(await voucher(alice, 15n * ONE_TOKEN, 3n));
    wallet = await EarningsWallet.open(walletDir, provider.account.address, domain);
    expect(wallet.summary()).toMatchObject({ redeemed: gross, unredeemed: 3n * ONE_TOKEN });
    expect(await wallet.redeem(provider.ctx)).toMatchObject({ vouchers: 1, amount: 3n * ONE_TOKEN });
    expect((await getBalances(alice.ctx, alice.account.address)).deposit).toBe(25n * ONE_TOKEN);
  });

  it('sets aside the vouchers of another network instead of mixing them in', async () => {
    const [client, provider] = [await newParty(10n * ONE_TOKEN), await newParty(0n)];
    const walletDir = join(dataDir, 'provider-b');
    const wallet = await EarningsWallet.open(walletDir, provider.account.address, provider.ctx.domain);
    await wallet.accept(
      await signVoucher(client.ctx, client.account, {
        client: client.account.address,
        provider: provider.account.address,
        cumulativeAmount: ONE_TOKEN,
        nonce: 1n,
        expiry: BigInt(Math.floor(Date.now() / 1000)) + 600n,
      }),
    );
    const reset = networkDomain(net.network.chainId, client.account.address);
    const fresh = await EarningsWallet.open(walletDir, provider.account.address, reset);
    expect(fresh.summary().clients).toBe(0);
    // Nothing is lost: the old network's vouchers wait beside the (not yet written) new file.
    expect(await readdir(join(walletDir, 'provider', provider.account.address))).toEqual([
      `vouchers.${net.network.chainId}.${net.network.paymentChannels}.json`,
    ]);
  });
});
