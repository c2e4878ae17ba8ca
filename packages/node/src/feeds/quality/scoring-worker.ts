import { parentPort } from 'node:worker_threads';
import type { FeedScorer } from './feed-scorer.js';
import { answer, type ScoringRequest } from './scoring-host.js';

/** The scoring worker (see scoring-host.ts): the feeds' scorers, answering one request at a time. */
const scorers = new Map<string, FeedScorer>();
parentPort!.on('message', ({ id, request }: { id: number; request: ScoringRequest }) => {
  try {
    parentPort!.postMessage({ id, batch: answer(scorers, request) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
