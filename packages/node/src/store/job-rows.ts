import type { Selectable } from 'kysely';
import type { Address } from 'viem';
import type { JobEvent, JobRecord, JobRun } from '../jobs/api.js';
import type { JobState } from '../jobs/job-states.js';
import type { JobEventsTable, JobRunsTable, JobsTable } from './schema.js';

/** A job's columns as its record writes them (its owner, in a cluster, is kept apart). */
export type JobRow = Omit<Selectable<JobsTable>, 'owner' | 'owner_until'>;

// PostgreSQL returns bigint columns as strings; SQLite as numbers. Normalize here, once.
const toNumber = (value: number | string): number => Number(value);
const toNullableNumber = (value: number | string | null): number | null =>
  value === null ? null : Number(value);

export function jobFromRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    client: row.client as Address,
    state: row.state as JobState,
    spec: JSON.parse(row.spec),
    provider: row.provider as Address | null,
    price: row.price,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    resultCid: row.result_cid,
    error: row.error === null ? null : JSON.parse(row.error),
    deadline: toNumber(row.deadline),
    leaseExpiresAt: toNullableNumber(row.lease_expires_at),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
    version: row.version,
  };
}

export function jobToRow(job: JobRecord): JobRow {
  return {
    id: job.id,
    client: job.client,
    state: job.state,
    spec: JSON.stringify(job.spec),
    provider: job.provider,
    price: job.price,
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    result_cid: job.resultCid,
    error: job.error === null ? null : JSON.stringify(job.error),
    deadline: job.deadline,
    lease_expires_at: job.leaseExpiresAt,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    version: job.version,
  };
}

export function eventFromRow(row: JobEventsTable): JobEvent {
  return {
    jobId: row.job_id,
    seq: row.seq,
    from: row.from_state as JobState | null,
    to: row.to_state as JobState,
    at: toNumber(row.at),
    detail: JSON.parse(row.detail),
  };
}

export function runToRow(run: JobRun): JobRunsTable {
  return {
    job_id: run.jobId,
    provider: run.provider,
    purpose: run.purpose,
    state: run.state,
    result_cid: run.resultCid,
    outcome: run.outcome,
    signed: JSON.stringify(run.signed),
    lease_expires_at: run.leaseExpiresAt,
    updated_at: run.updatedAt,
    charge: run.charge ?? null,
    paid_at: run.paidAt ?? null,
  };
}

export function runFromRow(row: JobRunsTable): JobRun {
  return {
    jobId: row.job_id,
    provider: row.provider as Address,
    purpose: row.purpose as JobRun['purpose'],
    state: row.state as JobRun['state'],
    resultCid: row.result_cid,
    outcome: row.outcome,
    signed: JSON.parse(row.signed),
    leaseExpiresAt: toNullableNumber(row.lease_expires_at),
    updatedAt: toNumber(row.updated_at),
    charge: row.charge,
    paidAt: toNullableNumber(row.paid_at),
  };
}
