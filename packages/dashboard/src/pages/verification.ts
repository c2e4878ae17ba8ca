import { useEffect, useState } from 'react';
import { fetchJson } from '../api/fetch-json.js';
import type { Job, JobEvent } from '../api/types.js';

export interface VerificationOutcome {
  policy: string;
  runs: number;
  slashed: number;
  canary?: string;
}

/** What verification concluded, from the event that accepted the job (absent for unchecked jobs). */
export function outcomeOf(events: readonly JobEvent[]): VerificationOutcome | undefined {
  const accepted = events.find((event) => event.to === 'accepted');
  const detail = accepted?.detail.verification as
    | { policy: string; runs: number; slashed?: unknown[]; canary?: { state: string } }
    | undefined;
  if (!detail) return undefined;
  return {
    policy: detail.policy,
    runs: detail.runs,
    slashed: detail.slashed?.length ?? 0,
    ...(detail.canary ? { canary: detail.canary.state } : {}),
  };
}

export function describeOutcome(outcome: VerificationOutcome): string {
  const canary = outcome.canary ? `, canary ${outcome.canary}` : '';
  const slashed = outcome.slashed > 0 ? `, ${outcome.slashed} slashed` : '';
  return `${outcome.policy}: ${outcome.runs} run${outcome.runs === 1 ? '' : 's'}${canary}${slashed}`;
}

const ACCEPTED_STATES = new Set(['accepted', 'settled']);

/**
 * The one label for a job's verification, on every page: what the network concluded once the
 * job is accepted, else the policy it asked for, with the state of the check.
 */
export function verificationLabel(job: Job, outcome: VerificationOutcome | undefined): string {
  const policy = job.spec.message.verification || 'network default';
  if (outcome) return describeOutcome(outcome);
  if (!ACCEPTED_STATES.has(job.state)) return `${policy} (pending)`;
  return `${policy}: accepted without a second run`;
}
/** Outcomes never change once a job is accepted, so each is read once per page load. */
const outcomes = new Map<string, Promise<VerificationOutcome | undefined>>();

/** The job's verification outcome once it is accepted; before that, its requested policy. */
export function useVerification(job: Job): string {
  const [outcome, setOutcome] = useState<VerificationOutcome | undefined>();
  const accepted = ACCEPTED_STATES.has(job.state);
  useEffect(() => {
    if (!accepted) return;
    let read = outcomes.get(job.id);
    if (!read) {
      read = fetchJson<{ events: JobEvent[] }>(`/v1/jobs/${job.id}/events`).then(({ events }) =>
        outcomeOf(events),
      );
      read.catch(() => outcomes.delete(job.id));
      outcomes.set(job.id, read);
    }
    let live = true;
    read.then(
      (found) => live && setOutcome(found),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [accepted, job.id]);
  return verificationLabel(job, outcome);
}
