import { canonicalJson, type SignedMessage, toWireJson } from '@idlegrid/protocol';
import { type Hex, keccak256, toBytes } from 'viem';

/**
 * Why a provider is slashed:
 * - `wrong-answer`: its answer lost to one that at least `DISPUTE_QUORUM` independent runs gave;
 * - `reveal-withheld`: it committed to an answer, then did not reveal it while reachable;
 * - `reveal-mismatch`: what it revealed is not what it committed to (both signed by it);
 * - `canary-failed`: its signed answer to a known-answer job (a canary) is not the known answer.
 */
export type SlashReason =
  | 'wrong-answer'
  | 'reveal-withheld'
  | 'reveal-mismatch'
  | 'canary-failed'
  | 'implausible-answer';

/**
 * What proves a provider wrong, kept as an artifact and named on-chain by its hash
 * (`Staking.slash(provider, amount, evidenceHash, challenger)`): the client's signed JobSpec,
 * each party's signed assignment, commit and reveal, the manifests, and who agreed with whom.
 * Anyone can fetch it and check every signature and CID again.
 */
export interface SlashEvidence {
  jobId: Hex;
  spec: SignedMessage<'JobSpec'>;
  accused: Hex;
  reason: SlashReason;
  /** Per run: who ran it and what each signed (no reveal: it never revealed). */
  runs: {
    provider: Hex;
    assignment?: SignedMessage<'Assignment'>;
    commit?: SignedMessage<'ResultCommit'>;
    reveal?: SignedMessage<'ResultReveal'>;
    outcomeDigest?: string;
  }[];
  /** For a wrong answer: the answer that won (for a canary: the known one) and who gave which. */
  verdict?: { winningDigest: string; agreeing: Hex[]; dissenting: Hex[] };
}

/** The evidence as stored: canonical JSON of its wire form, so its hash is reproducible. */
export function evidenceBytes(evidence: SlashEvidence): Uint8Array {
  return toBytes(canonicalJson(JSON.parse(toWireJson(evidence)) as unknown));
}

export function evidenceHash(evidence: SlashEvidence): Hex {
  return keccak256(evidenceBytes(evidence));
}
