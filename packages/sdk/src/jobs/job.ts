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

export const jobAnswerSchema = z.object({ job: jobSchema });
export const jobsAnswerSchema = z.object({ jobs: z.array(jobSchema) });
