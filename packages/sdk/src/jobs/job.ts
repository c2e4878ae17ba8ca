import { JOB_STATES, type JobState } from '@idlegrid/protocol';
import { type Address, isAddress } from 'viem';
import { z } from 'zod';

export { JOB_STATES, type JobState };

/**
 * States in which the run is over, so waiting stops. `accepted` still moves on to
 * `settled` once the client pays, but its result is final.
 */
export const FINAL_JOB_STATES: readonly JobState[] = [
  'accepted',
  'settled',
  'failed',
  'expired',
  'cancelled',
];

export function isFinalJobState(state: JobState): boolean {
  return FINAL_JOB_STATES.includes(state);
}

const address = z.custom<Address>((value) => typeof value === 'string' && isAddress(value), 'address');
const decimal = z.string().regex(/^\d+$/, 'decimal integer');

/** A job record on the wire. Loose: fields a newer coordinator adds pass through. */
export const jobSchema = z.looseObject({
  id: z.string(),
  client: address,
  state: z.enum(JOB_STATES),
  /** The client's signed JobSpec in wire form. */
  spec: z.unknown(),
  provider: address.nullable(),
  /** Final charge in token base units once accepted. */
  price: decimal.nullable(),
  attempt: z.number(),
  maxAttempts: z.number(),
  /** CID of the result manifest once accepted. */
  resultCid: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  deadline: z.number(),
  leaseExpiresAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number(),
});

export type Job = z.output<typeof jobSchema>;

const candidateScoreSchema = z.looseObject({
  provider: z.string(),
  pricePerSecond: z.number(),
  expectedCost: z.number(),
  expectedRunSeconds: z.number(),
  expectedCompletionSeconds: z.number(),
  failureProbability: z.number(),
  terms: z.object({ cost: z.number(), time: z.number(), risk: z.number(), load: z.number().default(0) }),
  score: z.number(),
});

/** Why the scheduler chose a provider: the policy, what it compared, every term of each score. */
export const placementSchema = z.looseObject({
  policy: z.string(),
  considered: z.number(),
  chosen: candidateScoreSchema,
  runnersUp: z.array(candidateScoreSchema),
});

export type Placement = z.output<typeof placementSchema>;

/** One transition of a job, as the coordinator recorded it. */
export const jobEventSchema = z.looseObject({
  jobId: z.string(),
  seq: z.number(),
  from: z.enum(JOB_STATES).nullable(),
  to: z.enum(JOB_STATES),
  at: z.number(),
  detail: z.record(z.string(), z.unknown()),
});

export type JobEvent = z.output<typeof jobEventSchema>;

export const jobAnswerSchema = z.object({ job: jobSchema });
export const jobEventsAnswerSchema = z.object({ events: z.array(jobEventSchema) });
export const jobsAnswerSchema = z.object({ jobs: z.array(jobSchema) });
