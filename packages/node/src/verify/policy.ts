import { IdlegridError } from '@idlegrid/protocol';

/**
 * How a job's result is checked, as the client asks for it in `JobSpec.verification`:
 * - `none`: trusted as returned;
 * - `sample(p)`: with probability p, re-executed on another, independent provider, and the
 *   provider cannot tell whether its job is one of them;
 * - `replicate(k)`: run on k independent providers with commit-reveal (no replica can copy
 *   another's answer), accepted only when they agree;
 * - `canary` (or `canary(p)`): with probability p (else the network's rate), the provider that
 *   ran the job is sent a known-answer job, indistinguishable from others, before the job is
 *   accepted; a wrong known answer is punished and the job itself audited.
 */
export type VerificationPolicy =
  | { kind: 'none' }
  | { kind: 'sample'; probability: number }
  | { kind: 'replicate'; replicas: number }
  | { kind: 'canary'; probability?: number };

export const MAX_REPLICAS = 7;

/**
 * Parses what a client writes (CLI flag, SDK field or JobSpec): `none`, `sample:P` or
 * `sample(P)`, `replicate:K` or `replicate(K)`, `canary` or `canary:P`, or `confidence:C` (0 < C < 1),
 * which the network turns into a policy (see `policyForConfidence`). Empty means the
 * network's default.
 */
export function parseVerification(
  text: string,
  network: { default: VerificationPolicy; adversarialShare: number },
): VerificationPolicy {
  const value = text.trim().toLowerCase();
  if (value === '') return network.default;
  if (value === 'none') return { kind: 'none' };
  if (value === 'canary') return { kind: 'canary' };
  const match = /^(sample|canary|replicate|confidence)(?::|\()\s*([0-9.]+)\s*\)?$/.exec(value);
  if (!match || (value.includes('(') && !value.endsWith(')'))) throw invalid(text);
  const number = Number(match[2]);
  if (match[1] === 'sample' || match[1] === 'canary') {
    if (!(number > 0 && number <= 1)) throw invalid(text, 'a probability is in (0, 1]');
    return { kind: match[1], probability: number };
  }
  if (match[1] === 'replicate') {
    if (!Number.isInteger(number) || number < 2 || number > MAX_REPLICAS) {
      throw invalid(text, `replicas are a whole number from 2 to ${MAX_REPLICAS}`);
    }
    return { kind: 'replicate', replicas: number };
  }
  if (!(number > 0 && number < 1)) throw invalid(text, 'a confidence is in (0, 1), like 0.999');
  return policyForConfidence(number, network.adversarialShare);
}

export function formatVerification(policy: VerificationPolicy): string {
  if (policy.kind === 'sample') return `sample(${policy.probability})`;
  if (policy.kind === 'canary' && policy.probability !== undefined) return `canary(${policy.probability})`;
  if (policy.kind === 'replicate') return `replicate(${policy.replicas})`;
  return policy.kind;
}

/**
 * The cheapest policy whose chance of accepting a wrong result stays within 1 - confidence,
 * when a share `adversarialShare` of providers may cheat on any job:
 * - sampling accepts a cheater's wrong answer unless the job is sampled, so it is wrong with
 *   probability share x (1 - p); if a p of at most 0.5 reaches the target, that is the policy;
 * - otherwise k replicas, whose answers can only agree on a wrong result if all k are
 *   cheaters (commit-reveal stops copying, and independent wrong answers do not hash alike):
 *   share^k <= 1 - confidence.
 */
export function policyForConfidence(confidence: number, adversarialShare: number): VerificationPolicy {
  const tolerated = 1 - confidence;
  if (adversarialShare <= tolerated) return { kind: 'none' };
  const probability = 1 - tolerated / adversarialShare;
  if (probability <= 0.5) return { kind: 'sample', probability: roundUp(probability) };
  const replicas = Math.max(2, Math.ceil(Math.log(tolerated) / Math.log(adversarialShare)));
  return { kind: 'replicate', replicas: Math.min(MAX_REPLICAS, replicas) };
}

function roundUp(probability: number): number {
  return Math.ceil(probability * 1000) / 1000;
}

function invalid(text: string, why = 'use none, sample:P, replicate:K, canary, canary:P or confidence:C') {
  return new IdlegridError('INVALID_ARGUMENT', `invalid verification "${text}": ${why}`);
}
