import { IdlegridError, type SignedMessage, signMessage } from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext } from './context.js';
import { type Job, jobAnswerSchema } from './job.js';
import { getJob } from './job-queries.js';
import { nowSeconds } from './job-spec.js';

/**
 * A day, less a margin for clock skew: receivers refuse expiries more than 24 h ahead
 * (DEFAULT_MAX_LIFETIME_SECONDS); the provider redeems well before that.
 */
export const VOUCHER_LIFETIME_SECONDS = 24n * 3_600n - 300n;

const decimal = z.string().regex(/^\d+$/);
const paymentStateSchema = z.object({ cumulativeAmount: decimal, nonce: decimal });

const payeesSchema = z.object({
  payees: z.array(z.object({ provider: z.string(), amount: decimal, paid: z.boolean() })),
});

export interface Payment {
  job: Job;
  /** One per provider paid: the job's provider, or each run that gave its verified answer. */
  vouchers: SignedMessage<'Voucher'>[];
}

/**
 * Pays an accepted job: for each of its payees not yet paid (its provider; for a verified job,
 * every run that gave the accepted answer, which the client pays as the check it asked for)
 * signs the next cumulative voucher (what was paid so far plus the amount, nonce + 1) and hands
 * them to the coordinator, which forwards them and marks the job settled. The job is re-read
 * first, so a stale record never pays twice. Pay one job per provider at a time: two
 * concurrent payments would both build on the same previous voucher, and only one of them
 * can be redeemed.
 */
export async function payForJob(ctx: JobsContext, job: Job, options: RequestOptions = {}): Promise<Payment> {
  const current = await getJob(ctx, job.id, options);
  if (current.state !== 'accepted') {
    throw new IdlegridError(
      'JOB_INVALID_TRANSITION',
      `job ${job.id} is ${current.state}: only accepted jobs are paid`,
      {
        details: { jobId: job.id, state: current.state },
      },
    );
  }
  const { payees } = parseAnswer(
    payeesSchema,
    await ctx.coordinator.getJson(`/v1/jobs/${encodeURIComponent(job.id)}/payees`, options),
    'payees',
  );
  if (payees.length === 0) {
    throw new IdlegridError('COORDINATOR_BAD_RESPONSE', `accepted job ${job.id} names no provider or price`);
  }
  const vouchers: SignedMessage<'Voucher'>[] = [];
  for (const payee of payees.filter((p) => !p.paid)) {
    const previous = parseAnswer(
      paymentStateSchema,
      await ctx.coordinator.getJson(`/v1/payments/${current.client}/${payee.provider}`, options),
      'payment state',
    );
    vouchers.push(
      await signMessage(ctx.signer, ctx.domain, 'Voucher', {
        client: current.client,
        provider: payee.provider as `0x${string}`,
        cumulativeAmount: BigInt(previous.cumulativeAmount) + BigInt(payee.amount),
        nonce: BigInt(previous.nonce) + 1n,
        expiry: nowSeconds() + VOUCHER_LIFETIME_SECONDS,
      }),
    );
  }
  const answer = await ctx.coordinator.postJson(
    `/v1/jobs/${encodeURIComponent(job.id)}/payment`,
    { vouchers },
    options,
  );
  return { job: parseAnswer(jobAnswerSchema, answer, `payment of job ${job.id}`).job, vouchers };
}
