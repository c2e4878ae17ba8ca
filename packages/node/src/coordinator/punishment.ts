import type { SignedMessage } from '@idlegrid/protocol';
import { type Address, type Hex, zeroAddress } from 'viem';
import type { JobRun } from '../jobs/api.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { evidenceBytes, evidenceHash, type SlashEvidence, type SlashReason } from '../verify/evidence.js';
import type { ProviderRegistry } from './provider-registry.js';

/** Slashes the provider found wrong on-chain; resolves the transaction hash (none when nothing was left to slash). */
export type Slasher = (args: {
  provider: Address;
  jobValue: bigint;
  evidenceHash: Hex;
  /** Who exposed it (a share of the slash goes to it); the zero address for none. */
  challenger: Address;
}) => Promise<string | undefined>;

/** What a punishment left behind, as the job's events show it. */
export interface Punishment {
  provider: Address;
  reason: SlashReason;
  evidenceCid: string;
  evidenceHash: Hex;
  transaction?: string;
  slashError?: string;
}

export interface PunishDeps {
  registry: ProviderRegistry;
  artifacts: ArtifactStore;
  slash?: Slasher | undefined;
}

/**
 * Punishes a provider proven wrong on a job: it loses reputation, the evidence is stored (as
 * an artifact, by its hash) and it is slashed on-chain by the job's stake floor. A failed
 * slash leaves the verdict standing: the stored evidence lets it be sent again.
 */
export async function punish(
  deps: PunishDeps,
  args: {
    /** The job the offence was on, its signed spec in wire form, and its value (the slash is its stake floor). */
    jobId: string;
    spec: unknown;
    jobValue: bigint;
    accused: Address;
    reason: SlashReason;
    runs: readonly Pick<JobRun, 'provider' | 'signed' | 'outcome'>[];
    verdict?: SlashEvidence['verdict'];
    challenger?: Address;
    now: number;
  },
): Promise<Punishment> {
  deps.registry.recordOutcome(args.accused, 'disputeLost', args.now);
  const evidence: SlashEvidence = {
    jobId: args.jobId as Hex,
    spec: args.spec as SignedMessage<'JobSpec'>,
    accused: args.accused,
    reason: args.reason,
    runs: args.runs.map(signedBy),
    ...(args.verdict ? { verdict: args.verdict } : {}),
  };
  const stored = await deps.artifacts.put(evidenceBytes(evidence));
  const hash = evidenceHash(evidence);
  const punishment: Punishment = {
    provider: args.accused,
    reason: args.reason,
    evidenceCid: stored.cid,
    evidenceHash: hash,
  };
  try {
    const transaction = await deps.slash?.({
      provider: args.accused,
      jobValue: args.jobValue,
      evidenceHash: hash,
      challenger: args.challenger ?? zeroAddress,
    });
    if (transaction) punishment.transaction = transaction;
  } catch (error) {
    punishment.slashError = error instanceof Error ? error.message : String(error);
  }
  deps.registry.punished(punishment);
  return punishment;
}

/** A run as evidence: what its provider and the coordinator signed for it. */
function signedBy(run: Pick<JobRun, 'provider' | 'signed' | 'outcome'>): SlashEvidence['runs'][number] {
  const signed = run.signed as {
    assignment?: SignedMessage<'Assignment'>;
    commit?: SignedMessage<'ResultCommit'>;
    reveal?: SignedMessage<'ResultReveal'>;
  };
  return {
    provider: run.provider,
    ...(signed.assignment ? { assignment: signed.assignment } : {}),
    ...(signed.commit ? { commit: signed.commit } : {}),
    ...(signed.reveal ? { reveal: signed.reveal } : {}),
    ...(run.outcome ? { outcomeDigest: run.outcome } : {}),
  };
}
