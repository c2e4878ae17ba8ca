import { IdlegridError } from '@idlegrid/protocol';
import type { VerificationPolicy } from '../verify/policy.js';

/** Staking.sol's VERIFY_* kinds, in order. */
const KINDS = ['none', 'sample', 'replicate', 'canary'] as const;
/** Probabilities travel as parts per million. */
const PPM = 1_000_000;

/** The (kind, value) pair Staking.setDefaultVerification takes. */
export function policyToChain(policy: VerificationPolicy): { kind: number; value: number } {
  const kind = KINDS.indexOf(policy.kind);
  if (policy.kind === 'sample') return { kind, value: Math.round(policy.probability * PPM) };
  if (policy.kind === 'canary') return { kind, value: Math.round((policy.probability ?? 0) * PPM) };
  if (policy.kind === 'replicate') return { kind, value: policy.replicas };
  return { kind, value: 0 };
}

/** The policy Staking.defaultVerification() holds. */
export function policyFromChain(kind: number, value: number): VerificationPolicy {
  switch (KINDS[kind]) {
    case 'none':
      return { kind: 'none' };
    case 'sample':
      return { kind: 'sample', probability: value / PPM };
    case 'replicate':
      return { kind: 'replicate', replicas: value };
    case 'canary':
      return value === 0 ? { kind: 'canary' } : { kind: 'canary', probability: value / PPM };
    default:
      throw new IdlegridError('CONFIG_INVALID', `unknown verification kind ${kind} on chain`);
  }
}
