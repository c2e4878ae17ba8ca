import type { Kysely, Transaction } from 'kysely';
import { getAddress } from 'viem';
import type { DeviceHistory } from '../feeds/quality/device-history.js';
import type { ReadingToScore, ScoredReading } from '../feeds/quality/feed-scorer.js';
import { type CheckResult, packChecks, unpackChecks } from '../feeds/quality/quality-checks.js';
import type { GroupCommit } from './group-commit.js';
import type { Database } from './schema.js';

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
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupCommit<Database>,
  ) {}

  /** Feeds with readings received after what is scored of them, and how far each is scored. */
  async feedsBehind(): Promise<{ feed: string; scoredThrough: number }[]> {
    const rows = await this.db
      .selectFrom('readings')
      .leftJoin('feed_scoring', 'feed_scoring.feed', 'readings.feed')
      .select(['readings.feed as feed', 'feed_scoring.scored_through as scoredThrough'])
      .select((eb) => eb.fn.max('readings.received_at').as('newest'))
      .groupBy(['readings.feed', 'feed_scoring.scored_through'])
      .execute();
    return rows
      .map((row) => ({
        feed: row.feed,
        scoredThrough: Number(row.scoredThrough ?? -1),
        newest: Number(row.newest),
      }))
      .filter((row) => row.newest > row.scoredThrough)
      .map(({ feed, scoredThrough }) => ({ feed, scoredThrough }));
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
    scored: readonly ScoredReading[],
    histories: readonly [string, DeviceHistory][],
    scoredThrough: number,
    now: number,
    alsoInCommit?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<void> {
    await this.writes.write(async (trx) => {
      await alsoInCommit?.(trx);
      const rows = scored.map((s) => ({
        device: s.device.toLowerCase(),
        seq: s.seq,
        feed,
        score: s.score,
        rewardable: s.rewardable ? 1 : 0,
        checks: JSON.stringify(packChecks(s.checks)),
        scored_at: now,
      }));
      // 7 bound values a row, under SQLite's limit per statement.
      for (let at = 0; at < rows.length; at += 1_000)
        await trx
          .insertInto('reading_scores')
          .values(rows.slice(at, at + 1_000))
          .onConflict((c) => c.columns(['device', 'seq']).doNothing())
          .execute();
      for (const [device, history] of histories) {
        const row = {
          device: device.toLowerCase(),
          feed,
          history: JSON.stringify(history),
          reputation: history.reputation ?? 1,
          updated_at: now,
        };
        const { device: _d, feed: _f, ...update } = row;
        await trx
          .insertInto('device_quality')
          .values(row)
          .onConflict((c) => c.columns(['device', 'feed']).doUpdateSet(update))
          .execute();
      }
      await trx
        .insertInto('feed_scoring')
        .values({ feed, scored_through: scoredThrough })
        .onConflict((c) => c.column('feed').doUpdateSet({ scored_through: scoredThrough }))
        .execute();
    });
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
      .leftJoin('reading_scores', (join) =>
        join
          .onRef('reading_scores.device', '=', 'device_quality.device')
          .onRef('reading_scores.feed', '=', 'device_quality.feed'),
      )
      .select([
        'device_quality.device as device',
        'devices.owner as owner',
        'devices.kind as kind',
        'device_quality.reputation as reputation',
      ])
      .select((eb) => [
        eb.fn.count('reading_scores.seq').as('scored'),
        eb.fn.sum('reading_scores.rewardable').as('rewardable'),
      ])
      .where('device_quality.feed', '=', feed)
      .groupBy(['device_quality.device', 'devices.owner', 'devices.kind', 'device_quality.reputation'])
      .orderBy('device_quality.reputation', 'asc')
      .execute();
    return rows.map((row) => ({
      device: getAddress(row.device),
      owner: getAddress(row.owner),
      kind: row.kind,
      reputation: row.reputation,
      scored: Number(row.scored),
      rewardable: Number(row.rewardable ?? 0),
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
