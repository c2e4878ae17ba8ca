import type { Kysely, Transaction } from 'kysely';
import { getAddress } from 'viem';
import type { DeviceHistory } from '../feeds/quality/device-history.js';
import type { ReadingToScore } from '../feeds/quality/feed-scorer.js';
import { type CheckResult, unpackChecks } from '../feeds/quality/quality-checks.js';
import type { ScoredBatch, StoredScore } from '../feeds/quality/scored-batch.js';
import type { GroupCommit } from './group-commit.js';
import { PreparedQuery } from './prepared-query.js';
import { RowsInsert } from './rows-insert.js';
import type { Database, DeviceQualityTable, ReadingScoresTable } from './schema.js';

const SCORE_COLUMNS = [
  'device',
  'seq',
  'feed',
  'score',
  'rewardable',
  'checks',
  'scored_at',
] as const satisfies readonly (keyof ReadingScoresTable)[];
const HISTORY_COLUMNS = [
  'device',
  'feed',
  'history',
  'reputation',
  'updated_at',
  'scored',
  'rewardable',
] as const satisfies readonly (keyof DeviceQualityTable)[];
type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

export interface ReadingQuality {
  score: number;
  rewardable: boolean;
  checks: CheckResult[];
}

export interface DeviceQuality {
  device: string;
  owner: string;
  kind: string;
  reputation: number;
  scored: number;
  rewardable: number;
}

/** Scores of readings, devices' scoring histories, and how far each feed is scored (see feeds/feed-quality.ts). */
export class ReadingScoreStore {
  readonly #insertScores = new RowsInsert(SCORE_COLUMNS, (rows) =>
    this.db
      .insertInto('reading_scores')
      .values(rows as unknown as ReadingScoresTable[])
      .onConflict((c) => c.columns(['device', 'seq']).doNothing()),
  );
  /** A device's history, with its counts grown by a batch's. */
  readonly #upsertHistory: PreparedQuery<HistoryColumn>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupCommit<Database>,
  ) {
    this.#upsertHistory = new PreparedQuery<HistoryColumn>((value) =>
      db
        .insertInto('device_quality')
        .values(
          Object.fromEntries(HISTORY_COLUMNS.map((c) => [c, value(c)])) as unknown as DeviceQualityTable,
        )
        .onConflict((c) =>
          c.columns(['device', 'feed']).doUpdateSet((eb) => ({
            history: eb.ref('excluded.history'),
            reputation: eb.ref('excluded.reputation'),
            updated_at: eb.ref('excluded.updated_at'),
            scored: eb('device_quality.scored', '+', eb.ref('excluded.scored')),
            rewardable: eb('device_quality.rewardable', '+', eb.ref('excluded.rewardable')),
          })),
        ),
    );
  }

  /** Feeds with readings received after what is scored of them, and how far each is scored. */
  async feedsBehind(): Promise<{ feed: string; scoredThrough: number }[]> {
    // Each feed's newest arrival from its index (feed, received_at): a lookup, not a scan of every reading.
    const rows = await this.db
      .selectFrom('feed_scoring')
      .select(['feed', 'scored_through as scoredThrough'])
      .select((eb) =>
        eb
          .selectFrom('readings')
          .select((r) => r.fn.max('readings.received_at').as('newest'))
          .whereRef('readings.feed', '=', 'feed_scoring.feed')
          .as('newest'),
      )
      .execute();
    return rows
      .filter((row) => row.newest !== null && Number(row.newest) > Number(row.scoredThrough))
      .map((row) => ({ feed: row.feed, scoredThrough: Number(row.scoredThrough) }));
  }

  /** A feed's readings received in (after, through], with their devices' kinds, oldest first. */
  async received(feed: string, after: number, through: number): Promise<ReadingToScore[]> {
    return this.#readings(feed, { receivedAfter: after, receivedThrough: through });
  }

  /** A feed's readings measured since `t` and received by `through` (the neighbours a restarted scorer needs). */
  async measuredSince(feed: string, t: number, through: number): Promise<ReadingToScore[]> {
    return this.#readings(feed, { measuredFrom: t, receivedThrough: through });
  }

  async histories(feed: string): Promise<[string, DeviceHistory][]> {
    const rows = await this.db
      .selectFrom('device_quality')
      .select(['device', 'history'])
      .where('feed', '=', feed)
      .execute();
    return rows.map((row) => [row.device, JSON.parse(row.history) as DeviceHistory]);
  }

  /** A scored batch, the histories it changed and the feed's new mark (and what the caller adds: rewards), in one commit. */
  async save(
    feed: string,
    scores: readonly StoredScore[],
    histories: ScoredBatch['histories'],
    scoredThrough: number,
    now: number,
    alsoInCommit?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    await this.writes.write(async (trx) => {
      await alsoInCommit?.(trx);
      const rows = scores.map((s) => ({
        device: s.device.toLowerCase(),
        seq: s.seq,
        feed,
        score: s.score,
        rewardable: s.rewardable ? 1 : 0,
        checks: s.checks,
        scored_at: now,
      }));
      const inserted = await this.#insertScores.run(trx, rows);
      // Each device's counts grow by its readings scored here (all of them: a reading is scored once).
      const counts = new Map<string, { scored: number; rewardable: number }>();
      for (const row of rows) {
        const count = counts.get(row.device) ?? { scored: 0, rewardable: 0 };
        count.scored++;
        count.rewardable += row.rewardable;
        counts.set(row.device, count);
      }
      for (const { device, history, reputation } of histories) {
        const key = device.toLowerCase();
        await trx.executeQuery(
          this.#upsertHistory.with({
            device: key,
            feed,
            history,
            reputation,
            updated_at: now,
            scored: counts.get(key)?.scored ?? 0,
            rewardable: counts.get(key)?.rewardable ?? 0,
          }),
        );
      }
      // A score already stored (none is, in one coordinator's order of passes) must not count twice: recount.
      if (inserted !== rows.length) await this.#recount(trx, feed, [...counts.keys()]);
      await trx
        .insertInto('feed_scoring')
        .values({ feed, scored_through: scoredThrough })
        .onConflict((c) => c.column('feed').doUpdateSet({ scored_through: scoredThrough }))
        .execute();
    });
  }

  async #recount(trx: Transaction<Database>, feed: string, devices: readonly string[]): Promise<void> {
    for (const device of devices) {
      const row = await trx
        .selectFrom('reading_scores')
        .select((eb) => [eb.fn.countAll().as('scored'), eb.fn.sum('rewardable').as('rewardable')])
        .where('device', '=', device)
        .where('feed', '=', feed)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('device_quality')
        .set({ scored: Number(row.scored), rewardable: Number(row.rewardable ?? 0) })
        .where('device', '=', device)
        .where('feed', '=', feed)
        .execute();
    }
  }

  /** The quality of these readings of a device, by seq (absent: not scored yet). */
  async qualityOf(keys: readonly { device: string; seq: number }[]): Promise<Map<string, ReadingQuality>> {
    const found = new Map<string, ReadingQuality>();
    const byDevice = new Map<string, number[]>();
    for (const { device, seq } of keys)
      byDevice.set(device.toLowerCase(), [...(byDevice.get(device.toLowerCase()) ?? []), seq]);
    for (const [device, seqs] of byDevice) {
      const rows = await this.db
        .selectFrom('reading_scores')
        .select(['seq', 'score', 'rewardable', 'checks'])
        .where('device', '=', device)
        .where('seq', 'in', seqs)
        .execute();
      for (const row of rows)
        found.set(`${device}/${Number(row.seq)}`, {
          score: row.score,
          rewardable: row.rewardable === 1,
          checks: unpackChecks(JSON.parse(row.checks) as Parameters<typeof unpackChecks>[0]),
        });
    }
    return found;
  }

  /** Every feed with readings: its devices and readings, scored and rewardable, and what its fundings owe and paid. */
  async feeds(): Promise<
    { feed: string; devices: number; readings: number; rewardable: number; owed: bigint; paid: bigint }[]
  > {
    const readings = await this.db
      .selectFrom('readings')
      .leftJoin('reading_scores', (join) =>
        join
          .onRef('reading_scores.device', '=', 'readings.device')
          .onRef('reading_scores.seq', '=', 'readings.seq'),
      )
      .select('readings.feed as feed')
      .select((eb) => [
        eb.fn.count('readings.seq').as('readings'),
        eb.fn.count('readings.device').distinct().as('devices'),
        eb.fn.sum('reading_scores.rewardable').as('rewardable'),
      ])
      .groupBy('readings.feed')
      .execute();
    const rewards = await this.db
      .selectFrom('feed_rewards')
      .innerJoin('feed_fundings', 'feed_fundings.id', 'feed_rewards.funding_id')
      .select(['feed_fundings.feed as feed', 'feed_rewards.owed as owed', 'feed_rewards.paid as paid'])
      .execute();
    return readings.map((row) => {
      const mine = rewards.filter((r) => r.feed === row.feed);
      return {
        feed: row.feed,
        devices: Number(row.devices),
        readings: Number(row.readings),
        rewardable: Number(row.rewardable ?? 0),
        owed: mine.reduce((sum, r) => sum + BigInt(r.owed), 0n),
        paid: mine.reduce((sum, r) => sum + BigInt(r.paid), 0n),
      };
    });
  }

  /** The devices of a feed with their reputation and how many of their readings were scored and rewardable. */
  async devices(feed: string): Promise<DeviceQuality[]> {
    const rows = await this.db
      .selectFrom('device_quality')
      .innerJoin('devices', 'devices.device', 'device_quality.device')
      .select([
        'device_quality.device as device',
        'devices.owner as owner',
        'devices.kind as kind',
        'device_quality.reputation as reputation',
        'device_quality.scored as scored',
        'device_quality.rewardable as rewardable',
      ])
      .where('device_quality.feed', '=', feed)
      .orderBy('device_quality.reputation', 'asc')
      .execute();
    return rows.map((row) => ({
      device: getAddress(row.device),
      owner: getAddress(row.owner),
      kind: row.kind,
      reputation: row.reputation,
      scored: Number(row.scored),
      rewardable: Number(row.rewardable),
    }));
  }

  /** One quantity of a feed's rewardable readings measured in [from, until]: device, cell and value. */
  async rewardedValues(
    feed: string,
    quantity: string,
    from: number,
    until: number,
  ): Promise<{ device: string; seq: number; t: number; cell: string; value: number }[]> {
    const rows = await this.db
      .selectFrom('readings')
      .innerJoin('reading_scores', (join) =>
        join
          .onRef('reading_scores.device', '=', 'readings.device')
          .onRef('reading_scores.seq', '=', 'readings.seq'),
      )
      .select([
        'readings.device as device',
        'readings.seq as seq',
        'readings.t as t',
        'readings.cell as cell',
        'readings.vals as vals',
      ])
      .where('readings.feed', '=', feed)
      .where('reading_scores.rewardable', '=', 1)
      .where('readings.t', '>=', from)
      .where('readings.t', '<=', until)
      .orderBy('readings.t')
      .orderBy('readings.device')
      .execute();
    return rows.flatMap((row) => {
      const value = (JSON.parse(row.vals) as Record<string, number>)[quantity];
      return typeof value === 'number' && Number.isFinite(value)
        ? [{ device: row.device, seq: Number(row.seq), t: Number(row.t), cell: row.cell, value }]
        : [];
    });
  }

  async #readings(
    feed: string,
    range: { receivedAfter?: number; measuredFrom?: number; receivedThrough: number },
  ): Promise<ReadingToScore[]> {
    let query = this.db
      .selectFrom('readings')
      .innerJoin('devices', 'devices.device', 'readings.device')
      .select([
        'readings.device as device',
        'readings.seq as seq',
        'readings.t as t',
        'readings.cell as cell',
        'readings.vals as vals',
        'readings.received_at as received_at',
        'devices.kind as kind',
      ])
      .where('readings.feed', '=', feed)
      .where('readings.received_at', '<=', range.receivedThrough);
    if (range.receivedAfter !== undefined)
      query = query.where('readings.received_at', '>', range.receivedAfter);
    if (range.measuredFrom !== undefined) query = query.where('readings.t', '>=', range.measuredFrom);
    const rows = await query.orderBy('readings.received_at').orderBy('readings.t').execute();
    return rows.map((row) => ({
      device: getAddress(row.device),
      feed,
      seq: Number(row.seq),
      t: Number(row.t),
      cell: row.cell,
      v: JSON.parse(row.vals) as Record<string, number>,
      kind: row.kind,
      receivedAt: Number(row.received_at),
    }));
  }
}
