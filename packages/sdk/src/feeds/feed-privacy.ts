import { signMessage } from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext, ReadContext } from '../jobs/context.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from '../jobs/job-spec.js';

/**
 * An owner grants or revokes its consent to a feed ('' every feed): a revocation erases its
 * devices' readings of the feed, and the coordinator refuses new ones until consent is granted.
 */
export async function setFeedConsent(
  ctx: JobsContext,
  feed: string,
  granted: boolean,
  options: RequestOptions = {},
): Promise<{ erased: number }> {
  const consent = await signMessage(ctx.signer, ctx.domain, 'FeedConsent', {
    owner: ctx.signer.address,
    feed,
    granted,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  const answer = await ctx.coordinator.postJson('/v1/feeds/consent', { consent }, options);
  return parseAnswer(z.object({ erased: z.number() }), answer, 'consent');
}

export interface AggregateRequest {
  quantity: string;
  /** Unix ms (default: all). */
  from?: number;
  until?: number;
  /** Fewest devices a cell shown has (default 5). */
  k?: number;
  /** ε of the Laplace noise on each cell's mean. */
  epsilon?: number;
}

/** Per cell, a quantity's mean over a window's rewardable readings, each device once (k-anonymous, optionally noised). */
export async function feedAggregates(
  ctx: ReadContext,
  feed: string,
  request: AggregateRequest,
  options: RequestOptions = {},
) {
  const query = new URLSearchParams({ quantity: request.quantity });
  for (const key of ['from', 'until', 'k', 'epsilon'] as const)
    if (request[key] !== undefined) query.set(key, String(request[key]));
  const answer = await ctx.coordinator.getJson(
    `/v1/feeds/${encodeURIComponent(feed)}/aggregates?${query}`,
    options,
  );
  return parseAnswer(
    z.object({
      cells: z.array(
        z.object({ cell: z.string(), devices: z.number(), readings: z.number(), mean: z.number() }),
      ),
      withheld: z.number(),
    }),
    answer,
    'aggregates',
  );
}
