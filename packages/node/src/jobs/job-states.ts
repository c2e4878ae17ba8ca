import { IdlegridError, JOB_STATES, type JobState } from '@idlegrid/protocol';

export { JOB_STATES, type JobState };

const ABANDON = ['failed', 'expired', 'cancelled'] as const;

/**
 * Allowed moves. Going back to `submitted` is a retry: the offer vanished, the lease
 * expired without heartbeats, or the provider was lost; the attempt counter bounds it.
 */
export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  submitted: ['matched', ...ABANDON],
  matched: ['assigned', 'submitted', ...ABANDON],
  // A quick job's answer can arrive before its provider's acknowledgement is recorded.
  assigned: ['running', 'committed', 'submitted', ...ABANDON],
  running: ['committed', 'submitted', ...ABANDON],
  committed: ['verifying', 'accepted', 'submitted', 'failed', 'expired'],
  verifying: ['accepted', 'submitted', 'failed', 'expired'],
  accepted: ['settled'],
  settled: [],
  failed: [],
  expired: [],
  cancelled: [],
};

export function isTerminal(state: JobState): boolean {
  return TRANSITIONS[state].length === 0;
}

/**
 * Whether the job's run is over: accepted (only its settlement is left) or ended. What a
 * coordinator holds in memory for a job while it runs (its pinned policy, checks, exclusions)
 * is let go then: a network whose clients never pay keeps jobs accepted for good.
 */
export function isRunOver(state: JobState): boolean {
  return state === 'accepted' || isTerminal(state);
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

/** Throws JOB_INVALID_TRANSITION unless `from -> to` is an allowed move. */
export function assertTransition(jobId: string, from: JobState, to: JobState): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw new IdlegridError('JOB_INVALID_TRANSITION', `job ${jobId} cannot go from ${from} to ${to}`, {
      details: { jobId, from, to, allowed: TRANSITIONS[from] },
    });
  }
}
