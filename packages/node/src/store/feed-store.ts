import type { Reading } from '@idlegrid/protocol';
import type { Kysely } from 'kysely';
import { type Address, getAddress } from 'viem';
import type { GroupCommit } from './group-commit.js';
import { RowsInsert } from './rows-insert.js';
import type { Database, ReadingsTable } from './schema.js';

const READING_COLUMNS = [
  'device',
  'seq',
  'feed',
  't',
  'cell',
  'vals',
  'received_at',
] as const satisfies readonly (keyof ReadingsTable)[];

export interface RegisteredDevice {
  device: Address;
  owner: Address;
  kind: string;
  registeredAt: number;
}

export interface StoredReading extends Reading {
  receivedAt: number;
}

/** Devices and their readings (see feeds/). The devices and their last sequence numbers are kept in memory once read. */
export class FeedStore {
  readonly #devices = new Map<string, RegisteredDevice | null>();
  readonly #lastSeq = new Map<string, number>();
  readonly #consents = new Map<string, boolean>();
  readonly #insertReadings = new RowsInsert(READING_COLUMNS, (rows) =>
    this.db.insertInto('readings').values(rows as unknown as ReadingsTable[]),
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupCommit<Database>,
  ) {}

  async register(device: RegisteredDevice, binding: unknown): Promise<void> {
    const row = {
      device: device.device.toLowerCase(),
      owner: device.owner.toLowerCase(),
      kind: device.kind,
      binding: JSON.stringify(binding),
      registered_at: device.registeredAt,
    };
    const { device: _device, ...update } = row;
    await this.db
      .insertInto('devices')
      .values(row)
      .onConflict((conflict) => conflict.column('device').doUpdateSet(update))
      .execute();
    this.#devices.set(row.device, device);
  }

  async deviceOf(device: Address): Promise<RegisteredDevice | undefined> {
    const key = device.toLowerCase();
    if (!this.#devices.has(key)) {
      const row = await this.db
        .selectFrom('devices')
        .selectAll()
        .where('device', '=', key)
        .executeTakeFirst();
      this.#devices.set(
        key,
        row
          ? {
              device: getAddress(row.device),
              owner: getAddress(row.owner),
              kind: row.kind,
              registeredAt: Number(row.registered_at),
            }
          : null,
      );
    }
    return this.#devices.get(key) ?? undefined;
  }

  /** The highest sequence number taken from the device; -1 for none. */
  async lastSeq(device: Address): Promise<number> {
    const key = device.toLowerCase();
    let last = this.#lastSeq.get(key);
    if (last === undefined) {
      const row = await this.db
        .selectFrom('readings')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('device', '=', key)
        .executeTakeFirst();
      const floor = await this.db
        .selectFrom('devices')
        .select('seq_floor')
        .where('device', '=', key)
        .executeTakeFirst();
      last = Math.max(
        row?.seq === null || row?.seq === undefined ? -1 : Number(row.seq),
        Number(floor?.seq_floor ?? -1),
      );
      this.#lastSeq.set(key, Math.max(last, this.#lastSeq.get(key) ?? -1));
    }
    return this.#lastSeq.get(key)!;
  }

  /** Takes readings already checked (signature, device, sequence) in one commit. */
  async insert(readings: readonly Reading[], now: number): Promise<void> {
    if (readings.length === 0) return;
    const rows = readings.map((reading) => ({
      device: reading.device.toLowerCase(),
      seq: reading.seq,
      feed: reading.feed,
      t: reading.t,
      cell: reading.cell,
      vals: JSON.stringify(reading.v),
      received_at: now,
    }));
    await this.writes.write(async (trx) => {
      await this.#insertReadings.run(trx, rows);
      // A feed's scoring mark exists from its first reading: the scorer reads the marks, not every reading.
      for (const feed of new Set(readings.map((reading) => reading.feed)))
        await trx
          .insertInto('feed_scoring')
          .values({ feed, scored_through: -1 })
          .onConflict((c) => c.column('feed').doNothing())
          .execute();
    });
    for (const reading of readings) {
      const key = reading.device.toLowerCase();
      this.#lastSeq.set(key, Math.max(this.#lastSeq.get(key) ?? -1, reading.seq));
    }
  }

  /** Whether the owner consents to the feed: binding a device consents, until a revocation for it (or '', all). */
  async consents(owner: Address, feed: string): Promise<boolean> {
    const key = `${owner.toLowerCase()}/${feed}`;
    let known = this.#consents.get(key);
    if (known === undefined) {
      known = await this.#readConsent(owner, feed);
      this.#consents.set(key, known);
    }
    return known;
  }

  async #readConsent(owner: Address, feed: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('feed_consents')
      .select(['feed', 'granted'])
      .where('owner', '=', owner.toLowerCase())
      .where('feed', 'in', [feed, ''])
      .execute();
    // A consent about this feed overrides one about every feed.
    const specific = rows.find((row) => row.feed === feed) ?? rows.find((row) => row.feed === '');
    return specific ? specific.granted === 1 : true;
  }

  /**
   * Records an owner's consent, and on a revocation erases its devices' readings of the feed ('':
   * of every feed) and their scores, in the same commit; how many readings were erased. Each
   * device keeps the seq of its last erased reading as a floor, so that none is replayed in.
   */
  async setConsent(
    owner: Address,
    feed: string,
    granted: boolean,
    consent: unknown,
    now: number,
  ): Promise<number> {
    const key = owner.toLowerCase();
    // Consents are cached per (owner, feed): any change forgets the owner's.
    for (const cached of [...this.#consents.keys()])
      if (cached.startsWith(`${key}/`)) this.#consents.delete(cached);
    const erased = await this.writes.write(async (trx) => {
      const values = { granted: granted ? 1 : 0, consent: JSON.stringify(consent), updated_at: now };
      await trx
        .insertInto('feed_consents')
        .values({ owner: key, feed, ...values })
        .onConflict((c) => c.columns(['owner', 'feed']).doUpdateSet(values))
        .execute();
      if (granted) return 0;
      const devices = (
        await trx.selectFrom('devices').select('device').where('owner', '=', key).execute()
      ).map((row) => row.device);
      if (devices.length === 0) return 0;
      let count = 0;
      for (const device of devices) {
        let readings = trx
          .selectFrom('readings')
          .select((eb) => [eb.fn.max('seq').as('last'), eb.fn.countAll().as('n')])
          .where('device', '=', device);
        if (feed) readings = readings.where('feed', '=', feed);
        const { last, n } = (await readings.executeTakeFirst()) ?? { last: null, n: 0 };
        if (Number(n) === 0) continue;
        count += Number(n);
        const floor = await trx
          .selectFrom('devices')
          .select('seq_floor')
          .where('device', '=', device)
          .executeTakeFirst();
        await trx
          .updateTable('devices')
          .set({ seq_floor: Math.max(Number(floor?.seq_floor ?? -1), Number(last)) })
          .where('device', '=', device)
          .execute();
        let scores = trx.deleteFrom('reading_scores').where('device', '=', device);
        if (feed) scores = scores.where('feed', '=', feed);
        await scores.execute();
        let counts = trx
          .updateTable('device_quality')
          .set({ scored: 0, rewardable: 0 })
          .where('device', '=', device);
        if (feed) counts = counts.where('feed', '=', feed);
        await counts.execute();
        let rows = trx.deleteFrom('readings').where('device', '=', device);
        if (feed) rows = rows.where('feed', '=', feed);
        await rows.execute();
      }
      return count;
    });
    for (const cached of [...this.#consents.keys()])
      if (cached.startsWith(`${key}/`)) this.#consents.delete(cached);
    return erased;
  }

  /** Whether any reading was ever taken in `feed` (its scoring mark exists from the first). */
  async exists(feed: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('feed_scoring')
      .select('feed')
      .where('feed', '=', feed)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A feed's latest readings, newest first (one device's, with `device`). */
  async list(feed: string, options: { device?: Address; limit: number }): Promise<StoredReading[]> {
    let query = this.db.selectFrom('readings').selectAll().where('feed', '=', feed);
    if (options.device) query = query.where('device', '=', options.device.toLowerCase());
    const rows = await query.orderBy('t', 'desc').limit(options.limit).execute();
    return rows.map((row) => ({
      device: getAddress(row.device),
      feed: row.feed,
      t: Number(row.t),
      cell: row.cell,
      v: JSON.parse(row.vals) as Record<string, number>,
      seq: Number(row.seq),
      receivedAt: Number(row.received_at),
    }));
  }
}
