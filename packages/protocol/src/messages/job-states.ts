/** A job's life (ARCHITECTURE section 4), as coordinators store it and clients see it. */
export const JOB_STATES = [
  'submitted',
  'matched',
  'assigned',
  'running',
  'committed',
  'verifying',
  'accepted',
  'settled',
  'failed',
  'expired',
  'cancelled',
] as const;

export type JobState = (typeof JOB_STATES)[number];
