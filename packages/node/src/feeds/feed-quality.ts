import type { Transaction } from 'kysely';
import type { ReadingScoreStore } from '../store/reading-score-store.js';
import type { Database } from '../store/schema.js';
import type { StoredScore } from './quality/scored-batch.js';
import { ScoringHost } from './quality/scoring-host.js';

/** A reading waits this long after it arrives before it is scored, for its neighbours to arrive too. */
export const DEFAULT_SETTLE_MS = 10_000;
/** How much of the past a restarted scorer reloads as neighbours. */
const RELOAD_MS = 30 * 60_000;

/**
 * Scores the readings of every feed as they settle (docs/feeds.md): in batches of what arrived
 * since the last pass, through one FeedScorer per feed, kept in memory on a worker thread
 * (ScoringHost) and rebuilt from the store after a restart. Each batch's scores, the devices'
 * histories and the feed's mark are one commit.
 */
export class FeedQuality {
  readonly #scorers: ScoringHost;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(
    private readonly deps: {
      store: ReadingScoreStore;
      now?: () => number;
      settleMs?: number;
      /** Written in the same commit as each scored batch: the rewards it earns. */
      accrue?: (trx: Transaction<Database>, feed: string, scored: readonly StoredScore[]) => Promise<void>;
      /** Where the scorers run: a worker thread (the default, where one is built), or this thread. */
      thread?: 'worker' | 'here';
    },
  ) {
    this.#scorers = new ScoringHost(deps.thread ? { thread: deps.thread } : {});
  }

  /** Scores what has settled in every feed; how many readings. One pass at a time. */
  scorePending(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  start(intervalMs = 5_000): void {
    this.#timer ??= setInterval(() => void this.scorePending().catch(() => {}), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
    await this.#scorers.stop();
  }

  async #pass(): Promise<number> {
    const through = (this.deps.now?.() ?? Date.now()) - (this.deps.settleMs ?? DEFAULT_SETTLE_MS);
    let count = 0;
    for (const { feed, scoredThrough } of await this.deps.store.feedsBehind()) {
      if (scoredThrough >= through) continue;
      const batch = await this.deps.store.received(feed, scoredThrough, through);
      if (!this.#scorers.has(feed)) await this.#restore(feed, scoredThrough);
      const { scores, histories } = await this.#scorers.score(feed, batch);
      await this.deps.store.save(
        feed,
        scores,
        histories,
        through,
        this.deps.now?.() ?? Date.now(),
        this.deps.accrue && scores.length > 0 ? (trx) => this.deps.accrue!(trx, feed, scores) : undefined,
      );
      count += scores.length;
    }
    return count;
  }

  async #restore(feed: string, scoredThrough: number): Promise<void> {
    const histories = await this.deps.store.histories(feed);
    const recent =
      scoredThrough > 0
        ? await this.deps.store.measuredSince(feed, scoredThrough - RELOAD_MS, scoredThrough)
        : [];
    await this.#scorers.restore(feed, histories, recent);
  }
}
