import { type SignedMessage, signMessage } from '@idlegrid/protocol';
import type { Address } from 'viem';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext, ReadContext } from '../jobs/context.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomJobId, randomNonce } from '../jobs/job-spec.js';
import { VOUCHER_LIFETIME_SECONDS } from '../jobs/pay-for-job.js';

const amount = z.string().transform((value) => BigInt(value));
const fundingSchema = z.object({
  id: z.string(),
  buyer: z.string(),
  feed: z.string(),
  pricePerReading: amount,
  budget: amount,
  spent: amount,
  from: z.number(),
  until: z.number(),
  owners: z.array(z.object({ owner: z.string(), readings: z.number(), owed: amount, paid: amount })),
});
export type FeedFundingStatus = z.output<typeof fundingSchema>;
const fundingAnswer = z.object({ funding: fundingSchema });

export interface FeedFundingRequest {
  feed: string;
  /** Wei for each reading above the quality threshold. */
  pricePerReading: bigint;
  /** The most the funding pays in all, wei (the buyer's deposit must cover it). */
  budget: bigint;
  /** Readings measured in this window are paid (unix seconds; default: from now, for a day). */
  from?: bigint;
  until?: bigint;
}

/** Funds a feed (`POST /v1/feeds/:feed/fundings`): the buyer's signed FeedFunding. */
export async function fundFeed(
  ctx: JobsContext,
  request: FeedFundingRequest,
  options: RequestOptions = {},
): Promise<FeedFundingStatus> {
  const from = request.from ?? nowSeconds();
  const funding = await signMessage(ctx.signer, ctx.domain, 'FeedFunding', {
    buyer: ctx.signer.address,
    fundingId: randomJobId(),
    feed: request.feed,
    pricePerReading: request.pricePerReading,
    budget: request.budget,
    from,
    until: request.until ?? from + 86_400n,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  const answer = await ctx.coordinator.postJson(
    `/v1/feeds/${encodeURIComponent(request.feed)}/fundings`,
    { funding },
    options,
  );
  return parseAnswer(fundingAnswer, answer, 'feed funding').funding;
}

export async function feedFunding(ctx: ReadContext, id: string, options: RequestOptions = {}) {
  const answer = await ctx.coordinator.getJson(`/v1/feed-fundings/${encodeURIComponent(id)}`, options);
  return parseAnswer(fundingAnswer, answer, 'feed funding').funding;
}

/**
 * Pays every owner what the funding owes it and has not been paid: one cumulative voucher each,
 * adding the difference to what the buyer last signed to that owner.
 */
export async function payFeedRewards(
  ctx: JobsContext,
  id: string,
  options: RequestOptions = {},
): Promise<{ funding: FeedFundingStatus; vouchers: SignedMessage<'Voucher'>[] }> {
  const funding = await feedFunding(ctx, id, options);
  const vouchers: SignedMessage<'Voucher'>[] = [];
  for (const { owner, owed, paid } of funding.owners) {
    if (owed <= paid) continue;
    const previous = parseAnswer(
      z.object({ cumulativeAmount: amount, nonce: amount }),
      await ctx.coordinator.getJson(`/v1/payments/${funding.buyer}/${owner}`, options),
      'payment state',
    );
    vouchers.push(
      await signMessage(ctx.signer, ctx.domain, 'Voucher', {
        client: funding.buyer as Address,
        provider: owner as Address,
        cumulativeAmount: previous.cumulativeAmount + owed - paid,
        nonce: previous.nonce + 1n,
        expiry: nowSeconds() + VOUCHER_LIFETIME_SECONDS,
      }),
    );
  }
  if (vouchers.length === 0) return { funding, vouchers };
  const answer = await ctx.coordinator.postJson(
    `/v1/feed-fundings/${encodeURIComponent(id)}/payment`,
    { vouchers },
    options,
  );
  return { funding: parseAnswer(fundingAnswer, answer, 'paid funding').funding, vouchers };
}

const rewardsAnswer = z.object({
  rewards: z.array(
    z.object({
      fundingId: z.string(),
      owner: z.string(),
      buyer: z.string(),
      feed: z.string(),
      readings: z.number(),
      owed: amount,
      paid: amount,
      voucher: z.unknown().optional(),
    }),
  ),
});

/** What a device owner earned from each funding, and each buyer's latest voucher to redeem. */
export async function feedRewards(ctx: ReadContext, owner: Address, options: RequestOptions = {}) {
  const answer = await ctx.coordinator.getJson(`/v1/feed-rewards/${owner}`, options);
  return parseAnswer(rewardsAnswer, answer, 'feed rewards').rewards;
}
