import type { DeviceHistory } from './device-history.js';
import type { FeedScorer, ReadingToScore } from './feed-scorer.js';
import { packChecks } from './quality-checks.js';

/** A reading's score as it is stored: its checks packed (packChecks) and in JSON already. */
export interface StoredScore {
  device: string;
  seq: number;
  t: number;
  score: number;
  rewardable: boolean;
  checks: string;
}

/** A scored batch as the store takes it: the scores, and the histories of the devices they touched (JSON). */
export interface ScoredBatch {
  scores: StoredScore[];
  histories: { device: string; history: string; reputation: number }[];
}

/**
 * Scores a batch and puts it in the form the store takes. Done where the scorer runs (a worker
 * thread: see scoring-host.ts), so that the coordinator's thread receives strings to write, not
 * tens of thousands of check objects to copy and encode.
 */
export function scoreBatch(scorer: FeedScorer, batch: readonly ReadingToScore[]): ScoredBatch {
  const scored = scorer.score(batch);
  const scores = scored.map((s) => ({
    device: s.device,
    seq: s.seq,
    t: s.t,
    score: s.score,
    rewardable: s.rewardable,
    checks: JSON.stringify(packChecks(s.checks)),
  }));
  const touched = new Set(scored.map((s) => s.device.toLowerCase()));
  const histories = [...touched].map((device) => {
    const history: DeviceHistory = scorer.history(device)!;
    return { device, history: JSON.stringify(history), reputation: history.reputation ?? 1 };
  });
  return { scores, histories };
}
