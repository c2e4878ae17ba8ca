import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DeviceHistory } from './device-history.js';
import { FeedScorer, type ReadingToScore } from './feed-scorer.js';
import { type ScoredBatch, scoreBatch } from './scored-batch.js';

/** What the coordinator asks of the feeds' scorers: rebuild one from the store, or score a batch. */
export type ScoringRequest =
  | { kind: 'restore'; feed: string; histories: [string, DeviceHistory][]; recent: ReadingToScore[] }
  | { kind: 'score'; feed: string; batch: ReadingToScore[] };

/** Answers a request with the scorers of the feeds, one per feed: here or in the worker alike. */
export function answer(scorers: Map<string, FeedScorer>, request: ScoringRequest): ScoredBatch | undefined {
  if (request.kind === 'restore') {
    scorers.set(request.feed, new FeedScorer(request.histories, shareDevices(request.recent)));
    return undefined;
  }
  const scorer = scorers.get(request.feed);
  if (!scorer) throw new Error(`no scorer for feed ${request.feed}: restore it first`);
  return scoreBatch(scorer, shareDevices(request.batch));
}

const devices = new Map<string, string>();

/**
 * One string for each device across the readings (the first seen). A message copies every
 * reading's device string on its own, and the scorer compares and looks up devices by them for
 * every neighbour of every reading: the same string is compared at once, a copy character by
 * character (the worker scored at half the pace without this). Readings here are this thread's
 * own (the store's, or a message's copies), so they are changed in place.
 */
function shareDevices(readings: ReadingToScore[]): ReadingToScore[] {
  for (const reading of readings) {
    const shared = devices.get(reading.device);
    if (shared === undefined) devices.set(reading.device, reading.device);
    else reading.device = shared as typeof reading.device;
  }
  return readings;
}

/** The worker's script, built beside this module (dist/, and the CLI's bundle). */
const WORKER_SCRIPT = new URL('./scoring-worker.js', import.meta.url);

/**
 * The feeds' scorers, on a worker thread: scoring is most of the CPU a reading costs, and on
 * its own thread it runs beside the coordinator's (taking readings, HTTP, commits) on a second
 * core. Run from the TypeScript sources (the unit tests), where no worker script is built, the
 * scorers run on this thread: the same code, the same answers. If the worker dies, its scorers
 * die with it: `has` says so, and the caller restores them from the store.
 */
export class ScoringHost {
  readonly #here = new Map<string, FeedScorer>();
  readonly #pending = new Map<number, { resolve(batch?: ScoredBatch): void; reject(error: unknown): void }>();
  readonly #feeds = new Set<string>();
  #worker: Worker | undefined;
  #nextId = 0;

  constructor(
    private readonly options: {
      thread?: 'worker' | 'here';
      /** The worker's script (default: the one built beside this module). */
      script?: URL;
    } = {},
  ) {}

  /** Whether the feed's scorer is there (restored since the last start of the worker). */
  has(feed: string): boolean {
    return this.#feeds.has(feed);
  }

  async restore(feed: string, histories: [string, DeviceHistory][], recent: ReadingToScore[]): Promise<void> {
    await this.#ask({ kind: 'restore', feed, histories, recent });
    this.#feeds.add(feed);
  }

  async score(feed: string, batch: ReadingToScore[]): Promise<ScoredBatch> {
    return (await this.#ask({ kind: 'score', feed, batch }))!;
  }

  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#gone(new Error('the scoring worker was stopped'));
    await worker?.terminate();
  }

  async #ask(request: ScoringRequest): Promise<ScoredBatch | undefined> {
    const worker = this.#started();
    if (!worker) return answer(this.#here, request);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, request });
    });
  }

  #started(): Worker | undefined {
    const script = this.options.script ?? WORKER_SCRIPT;
    if (this.#worker || this.options.thread === 'here' || !existsSync(fileURLToPath(script)))
      return this.#worker;
    const worker = new Worker(script);
    // It never holds the process open: the coordinator's own handles do.
    worker.unref();
    worker.on('message', ({ id, batch, error }: { id: number; batch?: ScoredBatch; error?: string }) => {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      if (error === undefined) pending?.resolve(batch);
      else pending?.reject(new Error(error));
    });
    worker.on('error', (error) => this.#gone(error));
    worker.on('exit', () => this.#gone(new Error('the scoring worker exited')));
    this.#worker = worker;
    return worker;
  }

  /** The worker is gone, and its scorers with it: what it was asked fails, and each feed must be restored. */
  #gone(error: unknown): void {
    this.#worker = undefined;
    this.#feeds.clear();
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
