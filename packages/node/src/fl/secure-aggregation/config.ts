import { sha256 } from '@noble/hashes/sha2.js';
import { assertNoOverflow } from './fixed-point.js';
import { neighbourGraph } from './neighbours.js';

/** What every party of one secure-aggregation round agrees on before it starts. */
export interface SecAggConfig {
  /** Unique per round: every key derivation and signature is bound to it (domain separation). */
  roundId: string;
  /** Client addresses, lowercase 0x-hex, sorted ascending, no repeats. */
  participants: string[];
  /**
   * Shares needed to reconstruct a client's secrets (t). Must be ≤ the neighbourhood size d and
   * more than d/2: then a server cannot find two disjoint groups of t neighbours to tell
   * "u survived" and "u dropped", and so cannot learn both secrets of one client.
   */
  threshold: number;
  /** SecAgg+ neighbourhood size k (odd rounds up); ≥ participants − 1 means plain SecAgg. */
  degree: number;
  /** Values per update. */
  vectorLength: number;
  /** Fixed-point scale (see fixed-point.ts; `fixedPointScaleFor` picks the largest safe one). */
  scale: number;
  /** Values are clipped to ±range. */
  range: number;
}

/** What both client and server derive from a config. */
export interface RoundPlan {
  config: SecAggConfig;
  /** Address → Shamir x-coordinate (index in `participants` + 1). */
  xOf: Map<string, number>;
  /** Address → its neighbours, sorted. */
  neighbours: Map<string, string[]>;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;

/** Checks a config and derives the round's plan; throws RangeError on a config that cannot work. */
export function planRound(config: SecAggConfig): RoundPlan {
  const { roundId, participants, threshold, degree, vectorLength, scale, range } = config;
  if (typeof roundId !== 'string' || roundId.length === 0) throw new RangeError('roundId is required');
  for (const [i, address] of participants.entries()) {
    if (!ADDRESS.test(address)) throw new RangeError(`participant ${address} is not a lowercase 0x address`);
    if (i > 0 && participants[i - 1]! >= address)
      throw new RangeError('participants must be sorted ascending without repeats');
  }
  if (participants.length < 3) throw new RangeError('secure aggregation needs at least 3 participants');
  if (!Number.isSafeInteger(vectorLength) || vectorLength < 1)
    throw new RangeError(`vectorLength must be ≥ 1, got ${vectorLength}`);
  assertNoOverflow({ clients: participants.length, scale, range });
  const neighbours = neighbourGraph(participants, graphSeed(roundId), degree);
  const d = neighbours.get(participants[0]!)!.length; // the graph is regular
  if (!Number.isInteger(threshold) || threshold > d || 2 * threshold <= d || threshold < 2)
    throw new RangeError(
      `threshold ${threshold} must be an integer with ${d}/2 < threshold ≤ ${d} (the neighbourhood size) and ≥ 2`,
    );
  return { config, xOf: new Map(participants.map((address, i) => [address, i + 1])), neighbours };
}

/** The public seed of the round's neighbour graph. */
export function graphSeed(roundId: string): Uint8Array {
  return sha256(new TextEncoder().encode(`idlegrid/secagg/graph/v1|${roundId}`));
}
