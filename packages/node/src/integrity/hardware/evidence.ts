import { canonicalJson, toWireJson } from '@idlegrid/protocol';
import { type Address, type Hex, keccak256, toBytes } from 'viem';
import type { ClaimRecord } from './claims.js';

/**
 * What a slash for a failed hardware claim shows, stored as an artifact and named on-chain by
 * its hash: the claim, and each recent challenge with its timing (sent to answered, against the
 * deadline and the coordinator's own time for the work) and the provider's signed answer.
 * The signatures prove what the provider answered; the timings are the coordinator's record.
 */
export function hardwareEvidence(accused: Address, record: ClaimRecord): { bytes: Uint8Array; hash: Hex } {
  const evidence = {
    reason: 'hardware-claim-failed',
    accused,
    resource: record.resource,
    claimed: record.claimed,
    challenges: record.recent,
  };
  const bytes = toBytes(canonicalJson(JSON.parse(toWireJson(evidence)) as unknown));
  return { bytes, hash: keccak256(bytes) };
}
