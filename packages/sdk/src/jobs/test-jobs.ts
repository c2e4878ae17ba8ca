import type { Address } from 'viem';
import type { Job } from './job.js';

/** A job record as the coordinator would send it: test fixture. */
export function sampleJob(overrides: Partial<Job> & { client: Address }): Job {
  return {
    id: `0x${'ab'.repeat(32)}`,
    state: 'submitted',
    spec: {},
    provider: null,
    price: null,
    attempt: 1,
    maxAttempts: 3,
    resultCid: null,
    error: null,
    deadline: Date.now() + 600_000,
    leaseExpiresAt: null,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    version: 1,
    ...overrides,
  };
}
