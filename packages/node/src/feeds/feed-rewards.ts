import {
  type FeedFunding,
  IdlegridError,
  MESSAGE_SCHEMAS,
  type NetworkDomain,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { Transaction } from 'kysely';
import { type Address, getAddress, isAddressEqual } from 'viem';
import type { DepositCheck } from '../coordinator/deposit-check.js';
import type { FeedFundingStore, OwnerReward, StoredFunding } from '../store/feed-funding-store.js';
import type { FeedStore } from '../store/feed-store.js';
import type { PaymentLedger } from '../store/payment-ledger.js';
import type { Database } from '../store/schema.js';
import type { StoredScore } from './quality/scored-batch.js';
import { accrue } from './rewards/reward-accrual.js';

export interface FundingView {
  id: string;
  buyer: Address;
  feed: string;
  pricePerReading: bigint;
  budget: bigint;
  spent: bigint;
  from: number;
  until: number;
  owners: Omit<OwnerReward, 'fundingId'>[];
}

/**
 * Buyers fund feeds, and device owners earn from them (docs/feeds.md): a buyer's signed
 * FeedFunding prices each reading that passes the quality threshold; as batches are scored, each
 * funding's owners are owed the price of their rewardable readings, in the same commit as the
 * scores, until its budget is spent; the buyer pays them by cumulative voucher (the existing
 * PaymentChannels), and the coordinator keeps each owner's latest voucher for it to redeem.
 */
export class FeedRewards {
  constructor(
    private readonly deps: {
      fundings: FeedFundingStore;
      devices: FeedStore;
      ledger: PaymentLedger;
      domain: NetworkDomain;
      /** Refuses a funding the buyer's deposit cannot pay (with the chain). */
      depositCheck?: DepositCheck;
      now?: () => number;
    },
  ) {}

  async fund(feed: string, input: unknown): Promise<FundingView> {
    const { message } = await verifySignedMessage(this.deps.domain, input, { kind: 'FeedFunding' }).catch(
      (cause: unknown) => {
        throw new IdlegridError(
          'FEED_FUNDING_INVALID',
          `not a FeedFunding signed by its buyer: ${String(cause)}`,
          {
            cause,
          },
        );
      },
    );
    checkTerms(feed, message);
    await this.deps.depositCheck?.(message.buyer, message.budget);
    const id = message.fundingId.toLowerCase();
    const created = await this.deps.fundings.create({
      id,
      buyer: message.buyer,
      feed,
      funding: input,
      spent: 0n,
      createdAt: this.#now(),
    });
    const view = await this.status(id);
    if (!created && !isAddressEqual(view.buyer, message.buyer))
      throw new IdlegridError('FEED_FUNDING_INVALID', `funding ${id} is another buyer's`);
    return view;
  }

  async status(id: string): Promise<FundingView> {
    const stored = await this.deps.fundings.get(id.toLowerCase());
    if (!stored) throw new IdlegridError('FEED_FUNDING_NOT_FOUND', `no feed funding ${id}`);
    const terms = termsOf(stored);
    const owners = (await this.deps.fundings.rewardsOf(stored.id)).map(
      ({ fundingId: _id, ...reward }) => reward,
    );
    return {
      id: stored.id,
      buyer: stored.buyer,
      feed: stored.feed,
      pricePerReading: terms.pricePerReading,
      budget: terms.budget,
      spent: stored.spent,
      from: Number(terms.from) * 1_000,
      until: Number(terms.until) * 1_000,
      owners,
    };
  }

  /** Adds what a scored batch earns to every funding of its feed (inside the scores' commit). */
  async accrueIn(trx: Transaction<Database>, feed: string, scored: readonly StoredScore[]): Promise<void> {
    const fundings = await this.deps.fundings.ofFeed(feed, trx);
    if (fundings.length === 0) return;
    const batch = [];
    for (const reading of scored) {
      const device = await this.deps.devices.deviceOf(getAddress(reading.device));
      if (device) batch.push({ owner: device.owner, t: reading.t, rewardable: reading.rewardable });
    }
    for (const stored of fundings) {
      const terms = termsOf(stored);
      const result = accrue(
        {
          pricePerReading: terms.pricePerReading,
          budget: terms.budget,
          from: Number(terms.from) * 1_000,
          until: Number(terms.until) * 1_000,
          spent: stored.spent,
        },
        batch,
      );
      if (result.byOwner.size > 0)
        await this.deps.fundings.addOwed(trx, stored.id, result.spent, result.byOwner, this.#now());
    }
  }

  /**
   * Takes the buyer's vouchers for what it owes its owners: each must be the buyer's, to an owner
   * of this funding, newer than the pair's last voucher, and add no more than is owed and unpaid.
   */
  async pay(id: string, vouchers: readonly unknown[]): Promise<FundingView> {
    const funding = await this.status(id);
    for (const input of vouchers) {
      const voucher = await verifySignedMessage(this.deps.domain, input, { kind: 'Voucher' });
      const { message, signer } = voucher;
      if (!isAddressEqual(signer, funding.buyer) || !isAddressEqual(message.client, funding.buyer))
        throw new IdlegridError(
          'REWARD_OVERPAID',
          `a voucher of ${signer}, not of the buyer ${funding.buyer}`,
        );
      const owner = funding.owners.find((o) => isAddressEqual(o.owner, message.provider));
      if (!owner)
        throw new IdlegridError('REWARD_OVERPAID', `the funding owes nothing to ${message.provider}`);
      const latest = await this.deps.ledger.latest(funding.buyer, owner.owner);
      if (message.nonce <= latest.nonce)
        throw new IdlegridError('VOUCHER_STALE', `nonce ${message.nonce} is not above ${latest.nonce}`);
      const amount = message.cumulativeAmount - latest.cumulativeAmount;
      if (amount <= 0n || !(await this.deps.fundings.addPaid(funding.id, owner.owner, amount, this.#now())))
        throw new IdlegridError(
          'REWARD_OVERPAID',
          `the voucher adds ${amount} to ${owner.owner}, who is owed ${owner.owed - owner.paid} more`,
        );
      await this.deps.ledger.record(
        { kind: 'Voucher', message: voucher.message, signature: voucher.signature },
        this.#now(),
      );
    }
    return this.status(id);
  }

  /** What an owner has earned from each funding, and the latest voucher of each buyer to redeem. */
  async rewardsFor(owner: Address) {
    const rewards = await this.deps.fundings.rewardsFor(owner);
    return Promise.all(
      rewards.map(async (reward) => {
        const funding = await this.status(reward.fundingId);
        const voucher = await this.deps.ledger.voucherOf(funding.buyer, reward.owner);
        return { ...reward, buyer: funding.buyer, feed: funding.feed, ...(voucher ? { voucher } : {}) };
      }),
    );
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function termsOf(stored: StoredFunding): FeedFunding {
  return MESSAGE_SCHEMAS.FeedFunding.parse((stored.funding as { message: unknown }).message);
}

function checkTerms(feed: string, terms: FeedFunding): void {
  const refuse = (why: string) => {
    throw new IdlegridError('FEED_FUNDING_INVALID', why);
  };
  if (terms.feed !== feed) refuse(`the funding is for feed ${terms.feed}, not ${feed}`);
  if (terms.pricePerReading === 0n) refuse('a reading must be paid more than 0');
  if (terms.budget < terms.pricePerReading) refuse('the budget pays not one reading');
  if (terms.until <= terms.from) refuse('the window ends before it starts');
}
