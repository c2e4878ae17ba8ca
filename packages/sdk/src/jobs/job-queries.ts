import { signMessage } from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { JobsContext, ReadContext } from './context.js';
import {
  type Job,
  type JobEvent,
  type JobState,
  jobAnswerSchema,
  jobEventsAnswerSchema,
  jobsAnswerSchema,
  type Placement,
  placementSchema,
} from './job.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from './job-spec.js';

export interface JobFilter {
  client?: Address;
  provider?: Address;
  states?: readonly JobState[];
  /** 1 to 500; the coordinator's default is 50. */
  limit?: number;
}

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

export async function getJob(ctx: ReadContext, id: string, options: RequestOptions = {}): Promise<Job> {
  return parseAnswer(jobAnswerSchema, await ctx.coordinator.getJson(jobPath(id), options), `job ${id}`).job;
}

/** Every transition of the job, oldest first. */
export async function getJobEvents(
  ctx: ReadContext,
  id: string,
  options: RequestOptions = {},
): Promise<JobEvent[]> {
  const answer = await ctx.coordinator.getJson(`${jobPath(id)}/events`, options);
  return parseAnswer(jobEventsAnswerSchema, answer, `events of job ${id}`).events;
}

/** The scheduler's latest decision for the job (each retry is placed anew), if it was placed. */
export function latestPlacement(events: readonly JobEvent[]): Placement | undefined {
  for (const event of [...events].reverse()) {
    const parsed = placementSchema.safeParse(event.detail.placement);
    if (event.to === 'matched' && parsed.success) return parsed.data;
  }
  return undefined;
}

/** Newest first, as the coordinator lists them. */
export async function listJobs(
  ctx: ReadContext,
  filter: JobFilter = {},
  options: RequestOptions = {},
): Promise<Job[]> {
  const query = new URLSearchParams();
  if (filter.client) query.set('client', filter.client);
  if (filter.provider) query.set('provider', filter.provider);
  if (filter.states?.length) query.set('state', filter.states.join(','));
  if (filter.limit !== undefined) query.set('limit', String(filter.limit));
  const text = query.toString();
  const suffix = text ? `?${text}` : '';
  return parseAnswer(
    jobsAnswerSchema,
    await ctx.coordinator.getJson(`/v1/jobs${suffix}`, options),
    'job list',
  ).jobs;
}

/** Signs a JobCancel with the client's key; only the job's own client may cancel it. */
export async function cancelJob(ctx: JobsContext, id: string, options: RequestOptions = {}): Promise<Job> {
  const cancel = await signMessage(ctx.signer, ctx.domain, 'JobCancel', {
    client: ctx.signer.address,
    jobId: id as Hex,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  const answer = await ctx.coordinator.postJson(`${jobPath(id)}/cancel`, cancel, options);
  return parseAnswer(jobAnswerSchema, answer, `cancel of job ${id}`).job;
}
