import type { JobSpec } from '@idlegrid/protocol';
import { parseVerification, type VerificationPolicy } from '../verify/policy.js';
import type { VerificationSettings } from './job-intake.js';

/**
 * The verification policy of a job: what its client named, or else the network's default
 * (governance may change it) as it was when the job was accepted, pinned for the job's life so
 * a change mid-job never turns, say, a plain run into a replicated one. Pins live in memory: a
 * job in flight across a coordinator restart takes the default in force after it.
 */
export function jobPolicy(
  spec: Pick<JobSpec, 'jobId' | 'verification' | 'runtime'>,
  settings: VerificationSettings,
): VerificationPolicy {
  if (spec.verification.trim() !== '') return parseVerification(spec.verification, settings);
  return settings.pinned?.get(spec.jobId) ?? defaultFor(spec.runtime, settings);
}

/** Pins the default for a job that names no policy (see jobPolicy). */
export function pinDefault(
  spec: Pick<JobSpec, 'jobId' | 'verification' | 'runtime'>,
  settings: VerificationSettings,
) {
  if (spec.verification.trim() === '') settings.pinned?.set(spec.jobId, defaultFor(spec.runtime, settings));
}

/**
 * The network default as a runtime can carry it out: LLM answers are checked only by sampled
 * re-scoring, so a replicate default becomes re-scoring every answer, and a canary default
 * re-scoring at the canary's rate.
 */
export function defaultFor(runtime: string, settings: VerificationSettings): VerificationPolicy {
  const policy = settings.default;
  if (runtime !== 'llm') return policy;
  if (policy.kind === 'replicate') return { kind: 'sample', probability: 1 };
  if (policy.kind === 'canary')
    return { kind: 'sample', probability: policy.probability ?? settings.canaryRate };
  return policy;
}
