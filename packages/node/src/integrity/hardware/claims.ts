import type { SignedMessage } from '@idlegrid/protocol';
import type { Address } from 'viem';

export type ClaimResource = 'cpu' | 'gpu';
export type ClaimStatus = 'unverified' | 'verified' | 'failed';

/** Why a challenge failed: too slow, a wrong digest, or no answer at all. */
export type ChallengeFailure = 'late' | 'wrong' | 'no-answer';

/** One challenge's outcome, as the coordinator measured it. */
export interface ChallengeVerdict {
  resource: ClaimResource;
  challengeId: string;
  /** What was claimed and challenged: cores, or GPUs. */
  claimed: number;
  passed: boolean;
  failure?: ChallengeFailure;
  /** From sending the challenge to the answer's arrival, as the coordinator timed it. */
  elapsedMs: number;
  deadlineMs: number;
  /** The coordinator's own time for the work it checked (one lane, or the sampled rows). */
  referenceMs: number;
  /** When the challenge was sent (the same for every identity of a simultaneous challenge). */
  at: number;
  /** The identities challenged at the same instant, this one included; empty for a lone challenge. */
  group: Address[];
  /** The provider's signed answer, when it gave one. */
  answer?: SignedMessage<'HardwareAnswer'>;
  /** A right CPU answer: the cores its timing proves (deadline.ts `provenCores`). */
  provenCores?: number;
}

export interface ClaimRecord {
  resource: ClaimResource;
  claimed: number;
  status: ClaimStatus;
  /** When it last passed. */
  verifiedAt?: number;
  consecutiveFailures: number;
  /**
   * What the scheduler counts: as claimed while unverified; while verified, a CPU claim's best
   * proven cores of its recent challenges (so one slow moment costs nothing); once failed, one
   * core or no GPU.
   */
  counted: number;
  /** The latest challenges, newest last: the evidence a slash shows. */
  recent: ChallengeVerdict[];
}

/** Failures in a row that mark a claim failed: one slow answer on a busy machine is forgiven once. */
export const FAILED_AFTER = 2;
/** Failures in a row that slash: the claim failed "again and again". */
export const SLASH_AFTER = 5;
const RECENT = 8;

/**
 * Each provider's hardware claims and what the challenges made of them. A claim is
 * `unverified` until its first verdict, `verified` (with the date) while it passes, and
 * `failed` after FAILED_AFTER failures in a row; a pass makes it verified again. A changed
 * claim (a new offer with other hardware) starts over.
 */
export class HardwareClaims {
  readonly #records = new Map<Address, Map<ClaimResource, ClaimRecord>>();

  /** Keeps the records in step with the offer: a claim dropped or changed is forgotten. */
  claim(address: Address, claims: Partial<Record<ClaimResource, number>>): void {
    const records = this.#records.get(address) ?? new Map<ClaimResource, ClaimRecord>();
    for (const resource of ['cpu', 'gpu'] as const) {
      const claimed = claims[resource] ?? 0;
      if (claimed <= 0) records.delete(resource);
      else if (records.get(resource)?.claimed !== claimed) {
        records.set(resource, freshRecord(resource, claimed));
      }
    }
    this.#records.set(address, records);
  }

  /** Records a verdict; says whether this failure is the one that slashes. */
  record(address: Address, verdict: ChallengeVerdict): { record: ClaimRecord; slash: boolean } {
    const records = this.#records.get(address) ?? new Map<ClaimResource, ClaimRecord>();
    let record = records.get(verdict.resource);
    if (record?.claimed !== verdict.claimed) record = freshRecord(verdict.resource, verdict.claimed);
    record.recent = [...record.recent, verdict].slice(-RECENT);
    // A simultaneous challenge tests the group (does one machine hide behind them?), not each claim:
    // it is kept as evidence for the sybil model and changes no claim's status.
    if (verdict.group.length > 0) {
      records.set(verdict.resource, record);
      this.#records.set(address, records);
      return { record, slash: false };
    }
    if (verdict.passed) {
      record.status = 'verified';
      record.verifiedAt = verdict.at;
      record.consecutiveFailures = 0;
    } else {
      record.consecutiveFailures++;
      if (record.consecutiveFailures >= FAILED_AFTER) record.status = 'failed';
    }
    record.counted = counted(record);
    records.set(verdict.resource, record);
    this.#records.set(address, records);
    return { record, slash: !verdict.passed && record.consecutiveFailures % SLASH_AFTER === 0 };
  }

  of(address: Address): ClaimRecord[] {
    return [...(this.#records.get(address)?.values() ?? [])];
  }

  status(address: Address, resource: ClaimResource): ClaimStatus | undefined {
    return this.#records.get(address)?.get(resource)?.status;
  }

  /**
   * What the scheduler may count on, where it is less than claimed: a failed CPU claim counts as
   * one core (any machine has one), a failed GPU claim as none, and a verified CPU claim as the
   * cores its challenges proved. Unverified claims count as claimed until a challenge says
   * otherwise, so that a new provider can work from its first minute.
   */
  proven(address: Address): { cpuCores?: number; gpuCount?: number } {
    const records = this.#records.get(address);
    const cpu = records?.get('cpu');
    const gpu = records?.get('gpu');
    return {
      ...(cpu && cpu.counted < cpu.claimed ? { cpuCores: cpu.counted } : {}),
      ...(gpu && gpu.counted < gpu.claimed ? { gpuCount: gpu.counted } : {}),
    };
  }
}

function freshRecord(resource: ClaimResource, claimed: number): ClaimRecord {
  return { resource, claimed, status: 'unverified', consecutiveFailures: 0, counted: claimed, recent: [] };
}

/** See ClaimRecord.counted. */
function counted(record: ClaimRecord): number {
  if (record.status === 'failed') return record.resource === 'cpu' ? 1 : 0;
  if (record.status === 'unverified' || record.resource === 'gpu') return record.claimed;
  const proofs = record.recent.flatMap((verdict) =>
    verdict.passed && verdict.group.length === 0 && verdict.provenCores !== undefined
      ? [verdict.provenCores]
      : [],
  );
  return proofs.length > 0 ? Math.min(record.claimed, Math.max(...proofs)) : record.claimed;
}
