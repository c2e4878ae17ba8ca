import { ONE_TOKEN } from '@idlegrid/contracts';
import { isIdlegridError, type SignedMessage } from '@idlegrid/protocol';
import { authorizeSessionKey, connect, deposit, getBalances, signVoucher } from '@idlegrid/sdk';
import { keccak256, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCoordinator, registryMinStake } from './coordinator-registry.js';
import { redeemVouchers } from './redeem-vouchers.js';
import { slash } from './slash.js';
import { stake } from './stake.js';
import { startTestNetwork, type TestNetwork } from './test-network.js';

let testNetwork: TestNetwork;
beforeAll(async () => {
  testNetwork = await startTestNetwork();
});
afterAll(() => testNetwork?.stop());

const newParty = (tokens: bigint) => testNetwork.newParty(tokens);

describe('client pays provider through the SDK and node actions', () => {
  it('deposits with a permit, pays by vouchers, and the provider redeems them in one call', async () => {
    const client = await newParty(100n * ONE_TOKEN);
    const otherClient = await newParty(100n * ONE_TOKEN);
    const provider = await newParty(50n * ONE_TOKEN);
    await deposit(client.ctx, 60n * ONE_TOKEN);
    await deposit(otherClient.ctx, 10n * ONE_TOKEN);
    await stake(provider.ctx, 50n * ONE_TOKEN);

    const expiry = BigInt(Math.floor(Date.now() / 1000)) + 3_600n;
    const vouchers: SignedMessage<'Voucher'>[] = [];
    // Three jobs paid cumulatively: only the latest voucher matters.
    for (const [nonce, cumulativeAmount] of [
      [1n, 5n * ONE_TOKEN],
      [2n, 12n * ONE_TOKEN],
      [3n, 20n * ONE_TOKEN],
    ] as const) {
      vouchers.push(
        await signVoucher(client.ctx, client.account, {
          client: client.account.address,
          provider: provider.account.address,
          cumulativeAmount,
          nonce,
          expiry,
        }),
      );
    }
    const fromOther = await signVoucher(otherClient.ctx, otherClient.account, {
      client: otherClient.account.address,
      provider: provider.account.address,
      cumulativeAmount: 10n * ONE_TOKEN,
      nonce: 1n,
      expiry,
    });
    await redeemVouchers(provider.ctx, [vouchers.at(-1)!, fromOther]);

    const gross = 30n * ONE_TOKEN;
    const fee = (gross * 100n) / 10_000n;
    expect(await getBalances(provider.ctx, provider.account.address)).toMatchObject({
      tokens: gross - fee,
      stakeBonded: 50n * ONE_TOKEN,
    });
    expect((await getBalances(client.ctx, client.account.address)).deposit).toBe(40n * ONE_TOKEN);
    const replay = await redeemVouchers(provider.ctx, [vouchers[1]!]).catch((e: unknown) => e);
    expect(isIdlegridError(replay, 'VOUCHER_REPLAYED')).toBe(true);
  });

  it('lets an API session key pay within its cap only', async () => {
    const client = await newParty(10n * ONE_TOKEN);
    const provider = await newParty(0n);
    await deposit(client.ctx, 10n * ONE_TOKEN);
    const apiKey = privateKeyToAccount(generatePrivateKey());
    const expiry = BigInt(Math.floor(Date.now() / 1000)) + 3_600n;
    await authorizeSessionKey(client.ctx, apiKey.address, 2n * ONE_TOKEN, expiry);
    const base = { client: client.account.address, provider: provider.account.address, expiry };
    await redeemVouchers(provider.ctx, [
      await signVoucher(client.ctx, apiKey, { ...base, cumulativeAmount: 2n * ONE_TOKEN, nonce: 1n }),
    ]);
    const over = await redeemVouchers(provider.ctx, [
      await signVoucher(client.ctx, apiKey, { ...base, cumulativeAmount: 3n * ONE_TOKEN, nonce: 2n }),
    ]).catch((e: unknown) => e);
    expect(isIdlegridError(over, 'SESSION_KEY_CAP_EXCEEDED')).toBe(true);
  });

  it('refuses an empty redemption and a deposit larger than the wallet', async () => {
    const client = await newParty(ONE_TOKEN);
    expect(isIdlegridError(await redeemVouchers(client.ctx, []).catch((e) => e), 'INVALID_ARGUMENT')).toBe(
      true,
    );
    expect(
      isIdlegridError(await deposit(client.ctx, 2n * ONE_TOKEN).catch((e) => e), 'INSUFFICIENT_FUNDS'),
    ).toBe(true);
    expect(isIdlegridError(await deposit(client.ctx, 0n).catch((e) => e), 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('slashing with evidence', () => {
  it('moves a slashed stake to the challenger and the treasury, once per piece of evidence', async () => {
    const provider = await newParty(100n * ONE_TOKEN);
    const challenger = await newParty(0n);
    await stake(provider.ctx, 100n * ONE_TOKEN);
    const verifier = connect(testNetwork.net.network, testNetwork.net.funder);
    const evidenceHash = keccak256(toHex(`evidence of ${provider.account.address}`));
    const args = {
      provider: provider.account.address,
      amount: 30n * ONE_TOKEN,
      evidenceHash,
      challenger: challenger.account.address,
    };
    // The verifier role is not enough: a slasher must be a registered coordinator.
    const unregistered = await slash(verifier, args).catch((e: unknown) => e);
    expect(isIdlegridError(unregistered, 'COORDINATOR_UNREGISTERED')).toBe(true);
    await registerCoordinator(verifier, await registryMinStake(verifier.network), { p2p: '', apiUrl: '' });
    await slash(verifier, args);
    expect((await getBalances(provider.ctx, provider.account.address)).stakeBonded).toBe(70n * ONE_TOKEN);
    // The challenger's share is half (challengerShareBps 5,000).
    expect((await getBalances(challenger.ctx, challenger.account.address)).tokens).toBe(15n * ONE_TOKEN);
    const again = await slash(verifier, args).catch((e: unknown) => e);
    expect(isIdlegridError(again, 'EVIDENCE_REPLAYED')).toBe(true);
    const notVerifier = await slash(challenger.ctx, {
      ...args,
      evidenceHash: keccak256(toHex('other')),
    }).catch((e: unknown) => e);
    expect(isIdlegridError(notVerifier, 'NOT_AUTHORIZED')).toBe(true);
    expect((await getBalances(provider.ctx, provider.account.address)).stakeBonded).toBe(70n * ONE_TOKEN);
  });
});
