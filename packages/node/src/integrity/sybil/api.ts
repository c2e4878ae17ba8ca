/** The sybil detector's interface: what the coordinator hands it, and what it answers. */

export type Address = `0x${string}`;

/** What the coordinator observed of one provider identity. */
export interface IdentityObservation {
  address: Address;
  /** Network hosts it was seen at (IP addresses, from its libp2p connections). */
  hosts: string[];
  /**
   * Round trips the coordinator measured to it (ms), in time order. When there is one per
   * heartbeat (the round trip of that heartbeat's acknowledgement), sample i is taken to be at
   * heartbeatAt[i], and the detector correlates them in time; otherwise it uses only their level.
   */
  rttMs: number[];
  /** Arrival times of its heartbeats (ms since epoch). */
  heartbeatAt: number[];
  /** Its reported telemetry at each heartbeat: cpu load 0..1 and free memory MB. */
  telemetry: { at: number; cpuLoad: number; freeMemoryMb: number }[];
  /** Its hardware claim. */
  claim: { cpuCores: number; memoryMb: number; gpuCount: number };
  /** Timed proof-of-hardware challenges: `group` names the identities challenged at the same instant (empty for a lone challenge). */
  challenges: {
    at: number;
    group: string[];
    lanes: number;
    elapsedMs: number;
    deadlineMs: number;
    passed: boolean;
  }[];
}

/** One piece of evidence: a feature's mean value over the cluster's linking pairs, and why it matters. */
export interface SybilEvidence {
  feature: string;
  value: number;
  reason: string;
}

/** Identities that the model believes run on one machine. */
export interface SybilCluster {
  members: Address[];
  /** The mean probability, over the pairs that link the cluster, that a pair shares one machine. */
  score: number;
  evidence: SybilEvidence[];
}

/** A logistic model over the pair features (see features.ts), trained by bench/sybil-train.ts. */
export interface SybilModel {
  features: readonly string[];
  weights: number[];
  bias: number;
  /** Each feature's mean over the training pairs: evidence is a feature's pull away from it. */
  means: number[];
  /** A pair at or above this probability links two identities into a cluster. */
  linkThreshold: number;
  /** A pair at or above this (and below confirmation) is worth a simultaneous challenge. */
  challengeThreshold: number;
}

/** A pair of identities the detector compared, and the probability that they share a machine. */
export interface ScoredPair {
  a: number;
  b: number;
  probability: number;
  features: Float64Array;
}
