import { IdlegridError, parseCid, verifySignedMessage } from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext, ReadContext } from '../jobs/context.js';

/** One provider's copy of an erased artifact: told when, and its signed receipt once it came. */
export interface ErasureNotice {
  provider: string;
  requestedAt: number;
  confirmedAt: number | null;
  /** The provider's signed ErasureReceipt (wire form), checked here against the network's domain. */
  receipt: unknown;
}

const erasureSchema = z.object({
  cid: z.string(),
  notices: z.array(
    z.object({
      provider: z.string(),
      requestedAt: z.number(),
      confirmedAt: z.number().nullable(),
      receipt: z.unknown(),
    }),
  ),
  pending: z.number(),
});

/**
 * Where the erasure of `cid` stands: every provider that held a copy, and its receipt. Each
 * receipt is checked (signed by that provider, for this artifact, on this network):
 * COORDINATOR_BAD_RESPONSE for one that is not.
 */
export async function erasureOf(
  ctx: ReadContext & Pick<JobsContext, 'domain'>,
  cid: string,
  options: RequestOptions = {},
): Promise<{ cid: string; notices: ErasureNotice[]; pending: number }> {
  parseCid(cid);
  const answer = parseAnswer(
    erasureSchema,
    await ctx.coordinator.getJson(`/v1/artifacts/${encodeURIComponent(cid)}/erasure`, options),
    'artifact erasure',
  );
  for (const notice of answer.notices) {
    if (notice.receipt === null) continue;
    const message = (notice.receipt as { message?: { erasedAt?: string } }).message;
    // Checked as of when it was signed: a receipt is evidence long after its expiry.
    const signedAt = BigInt(Math.floor(Number(message?.erasedAt ?? 0) / 1000));
    const receipt = await verifySignedMessage(ctx.domain, notice.receipt, {
      kind: 'ErasureReceipt',
      nowSeconds: signedAt,
    }).catch((cause: unknown) => {
      throw new IdlegridError(
        'COORDINATOR_BAD_RESPONSE',
        `the erasure receipt of ${notice.provider} is invalid`,
        {
          cause,
        },
      );
    });
    if (receipt.message.cid !== cid || receipt.signer.toLowerCase() !== notice.provider.toLowerCase()) {
      throw new IdlegridError(
        'COORDINATOR_BAD_RESPONSE',
        `the erasure receipt of ${notice.provider} is not for ${cid}`,
      );
    }
  }
  return answer;
}

/** Polls `erasureOf` until every provider has confirmed (or ERASURE_PENDING after `timeoutMs`). */
export async function waitForErasure(
  ctx: ReadContext & Pick<JobsContext, 'domain'>,
  cid: string,
  options: RequestOptions & { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ cid: string; notices: ErasureNotice[] }> {
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const erasure = await erasureOf(ctx, cid, options);
    if (erasure.pending === 0) return erasure;
    if (Date.now() >= until) {
      throw new IdlegridError(
        'ERASURE_PENDING',
        `${erasure.pending} provider(s) have not confirmed erasing ${cid}`,
        {
          details: {
            cid,
            pending: erasure.notices.filter((n) => n.confirmedAt === null).map((n) => n.provider),
          },
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
