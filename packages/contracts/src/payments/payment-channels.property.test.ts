import type { Voucher } from '@idlegrid/protocol';
import fc from 'fast-check';
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_TOKEN } from '../deploy/parameters.js';
import { type ChannelDriver, channelDriver } from '../testing/channel-driver.js';
import { type Actor, startTestChain, type TestChain } from '../testing/test-chain.js';

/**
 * Random sequences of deposits, vouchers, redemptions (valid, stale, expired, stolen),
 * withdrawals and time jumps against a real chain, checked step by step against a model:
 * tokens are conserved and no provider is ever paid beyond its latest valid voucher.
 */
const FEE_BPS = 300n;
const TIMELOCK = 3_600n;
const CLIENTS = 3;
const PROVIDERS = 3;
const START_TOKENS = 1_000n * ONE_TOKEN;

let chain: TestChain;
let channels: ChannelDriver;
let clients: Actor[];
let providers: Actor[];
let snapshot: Hex;

beforeAll(async () => {
  chain = await startTestChain({ feeBps: Number(FEE_BPS), withdrawTimelockSeconds: TIMELOCK });
  channels = channelDriver(chain);
  clients = [];
  providers = [];
  for (let i = 0; i < CLIENTS; i++) {
    const client = await chain.fundedActor(START_TOKENS);
    await chain.approve(client, chain.contracts.paymentChannels, START_TOKENS);
    clients.push(client);
  }
  for (let i = 0; i < PROVIDERS; i++) providers.push(await chain.newActor());
  snapshot = await chain.testClient.snapshot();
});
afterAll(() => chain?.stop());

const amount = fc.bigInt({ min: 1n, max: 300n }).map((n) => n * 10n ** 16n);
const op = fc.oneof(
  fc.record({ type: fc.constant('deposit' as const), client: fc.nat(CLIENTS - 1), amount }),
  fc.record({
    type: fc.constant('sign' as const),
    client: fc.nat(CLIENTS - 1),
    provider: fc.nat(PROVIDERS - 1),
    increment: fc.bigInt({ min: 0n, max: 200n }).map((n) => n * 10n ** 16n),
    expired: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('redeem' as const),
    pick: fc.nat(),
    caller: fc.option(fc.nat(PROVIDERS - 1), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('redeemLatest' as const), provider: fc.nat(PROVIDERS - 1) }),
  fc.record({ type: fc.constant('requestWithdraw' as const), client: fc.nat(CLIENTS - 1), amount }),
  fc.record({ type: fc.constant('withdraw' as const), client: fc.nat(CLIENTS - 1) }),
  fc.record({ type: fc.constant('wait' as const), long: fc.boolean() }),
);

interface Signed {
  voucher: Voucher;
  signature: Hex;
  providerIndex: number;
}

describe('PaymentChannels properties', () => {
  it('conserves tokens and never overpays a provider', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        await chain.testClient.revert({ id: snapshot });
        snapshot = await chain.testClient.snapshot();

        const key = (c: number, p: number) => `${c}:${p}`;
        const deposit = new Array<bigint>(CLIENTS).fill(0n);
        const wallet = new Array<bigint>(CLIENTS).fill(START_TOKENS);
        const earned = new Array<bigint>(PROVIDERS).fill(0n);
        const withdrawal: ({ amount: bigint; unlockAt: bigint } | undefined)[] = new Array(CLIENTS).fill(
          undefined,
        );
        const paid = new Map<string, { amount: bigint; nonce: bigint }>();
        const signedCumulative = new Map<string, bigint>();
        const signed: Signed[] = [];
        let nonce = 0n;
        let fees = 0n;
        const treasuryStart = await chain.tokenBalance(chain.treasury.address);

        const tryRedeem = async (entry: Signed, callerIndex: number) => {
          const { voucher } = entry;
          const c = clients.findIndex((a) => a.address === voucher.client);
          const state = paid.get(key(c, entry.providerIndex)) ?? { amount: 0n, nonce: 0n };
          const now = await chain.now();
          const delta = voucher.cumulativeAmount - state.amount;
          const expectOk =
            callerIndex === entry.providerIndex &&
            voucher.expiry > now + 5n &&
            voucher.nonce > state.nonce &&
            delta > 0n &&
            delta <= deposit[c]!;
          const ok = await channels.redeem(providers[callerIndex]!, voucher, entry.signature).then(
            () => true,
            () => false,
          );
          expect(ok).toBe(expectOk);
          if (ok) {
            const fee = (delta * FEE_BPS) / 10_000n;
            deposit[c]! -= delta;
            earned[callerIndex]! += delta - fee;
            fees += fee;
            paid.set(key(c, entry.providerIndex), { amount: voucher.cumulativeAmount, nonce: voucher.nonce });
          }
        };

        for (const step of ops) {
          if (step.type === 'deposit') {
            const ok = await channels.deposit(clients[step.client]!, step.amount).then(
              () => true,
              () => false,
            );
            expect(ok).toBe(step.amount <= wallet[step.client]!);
            if (ok) {
              wallet[step.client]! -= step.amount;
              deposit[step.client]! += step.amount;
            }
          } else if (step.type === 'sign') {
            const k = key(step.client, step.provider);
            const cumulative = (signedCumulative.get(k) ?? 0n) + step.increment;
            signedCumulative.set(k, cumulative);
            const expiry = (await chain.now()) + (step.expired ? -100n : 1_000_000n);
            const voucher = {
              client: clients[step.client]!.address,
              provider: providers[step.provider]!.address,
              cumulativeAmount: cumulative,
              nonce: ++nonce,
              expiry,
            };
            signed.push({
              voucher,
              signature: await chain.signVoucher(clients[step.client]!, voucher),
              providerIndex: step.provider,
            });
          } else if (step.type === 'redeem' && signed.length > 0) {
            const entry = signed[step.pick % signed.length]!;
            await tryRedeem(entry, step.caller ?? entry.providerIndex);
          } else if (step.type === 'redeemLatest') {
            const latest = signed.filter((s) => s.providerIndex === step.provider).at(-1);
            if (latest) await tryRedeem(latest, step.provider);
          } else if (step.type === 'requestWithdraw') {
            const ok = await channels.requestWithdraw(clients[step.client]!, step.amount).then(
              () => true,
              () => false,
            );
            expect(ok).toBe(step.amount <= deposit[step.client]!);
            if (ok)
              withdrawal[step.client] = { amount: step.amount, unlockAt: (await chain.now()) + TIMELOCK };
          } else if (step.type === 'withdraw') {
            const pending = withdrawal[step.client];
            const ok = await channels.withdraw(clients[step.client]!).then(
              () => true,
              () => false,
            );
            expect(ok).toBe(pending !== undefined && (await chain.now()) >= pending.unlockAt);
            if (ok && pending) {
              // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.min does not take
              const out = pending.amount < deposit[step.client]! ? pending.amount : deposit[step.client]!;
              deposit[step.client]! -= out;
              wallet[step.client]! += out;
              withdrawal[step.client] = undefined;
            }
          } else if (step.type === 'wait') {
            await chain.increaseTime(step.long ? 2n * TIMELOCK : 0n);
          }

          // Every party's balance is exactly what the model says, so tokens are conserved.
          for (let c = 0; c < CLIENTS; c++) {
            expect(await chain.tokenBalance(clients[c]!.address)).toBe(wallet[c]);
            expect((await channels.channelOf(clients[c]!.address)).balance).toBe(deposit[c]);
          }
          for (let p = 0; p < PROVIDERS; p++) {
            expect(await chain.tokenBalance(providers[p]!.address)).toBe(earned[p]);
          }
          expect((await chain.tokenBalance(chain.treasury.address)) - treasuryStart).toBe(fees);
          const held = deposit.reduce((a, b) => a + b, 0n);
          expect(await chain.tokenBalance(chain.contracts.paymentChannels)).toBe(held);
        }

        // No provider was paid beyond the latest voucher its client signed to it.
        for (let c = 0; c < CLIENTS; c++) {
          for (let p = 0; p < PROVIDERS; p++) {
            const onChain = await channels.redemptionOf(clients[c]!.address, providers[p]!.address);
            expect(onChain.paid).toBe(paid.get(key(c, p))?.amount ?? 0n);
            expect(onChain.paid <= (signedCumulative.get(key(c, p)) ?? 0n)).toBe(true);
          }
        }
      }),
      { numRuns: 20 },
    );
  });
});
