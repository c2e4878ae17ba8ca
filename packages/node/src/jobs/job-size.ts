import type { JobSpec } from '@idlegrid/protocol';

/** A JobSpec without a size (maxSeconds 0) is placed as, and may run at most, this long. */
export const DEFAULT_JOB_SECONDS = 300;

/**
 * The job's size: the longest it may run, in seconds. The scheduler matches it against the
 * providers' job-size bounds and the provider enforces it as the wall-time limit, so a job
 * can never outrun what it was placed for.
 */
export function jobSeconds(spec: Pick<JobSpec, 'maxSeconds'>): number {
  return spec.maxSeconds > 0 ? spec.maxSeconds : DEFAULT_JOB_SECONDS;
}
