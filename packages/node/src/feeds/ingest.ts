import {
  type DeviceBinding,
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  openReadings,
  type Reading,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { RateLimit } from '../api/limits/api.js';
import { KeyTable } from '../api/limits/key-table.js';
import { type Bucket, fullBucket, isFull, refill, waitMs } from '../api/limits/token-bucket.js';
import type { FeedStore, RegisteredDevice } from '../store/feed-store.js';
import { isGeohash } from './quality/cells.js';

/** A reading dated later than this after it arrives is refused: a device's clock may drift, not leap. */
const FUTURE_SLACK_MS = 5 * 60_000;
/** Geohash characters a reading's cell keeps unless its feed says otherwise: about 1.2 km × 0.6 km. */
export const DEFAULT_CELL_PRECISION = 6;
/**
 * What one device may send: a day of backlog at one reading a minute at once (a station back
 * online), then two a second (a tracker at 1 Hz, with room).
 */
export const DEVICE_RATE_LIMIT: RateLimit = { burst: 1_500, rate: 2 };
/** Most items (signed readings or signed batches) one request may carry. */
export const MAX_READINGS_PER_BATCH = 1_000;
/** Most readings one request may carry, batches counted reading by reading. */
export const MAX_READINGS_PER_REQUEST = 20_000;

export type IngestResult =
  | { accepted: true; device: string; seq: number }
  | { error: { code: string; message: string } };

/**
 * Devices and their signed readings (docs/feeds.md). A device is bound to its owner by a
 * DeviceBinding the owner signs and the device countersigns (so nobody binds a key it does not
 * hold). A batch of readings is checked reading by reading (signature, registered device, feed,
 * date, sequence), and the good ones are taken in one commit; each bad one gets its own code.
 */
export class FeedIngest {
  constructor(
    private readonly deps: {
      store: FeedStore;
      domain: NetworkDomain;
      now?: () => number;
      /** Geohash characters kept of a reading's cell, per feed (default DEFAULT_CELL_PRECISION). */
      cellPrecision?: Readonly<Record<string, number>>;
      /** Readings each device may send (default DEVICE_RATE_LIMIT): a flooding device cannot starve the others. */
      deviceLimit?: RateLimit;
    },
  ) {}

  readonly #buckets = new KeyTable<Bucket>(100_000, (bucket, now) => isFull(bucket, this.#limit(), now));

  /** Takes one of the device's tokens, or says how long until it has one. */
  #admit(device: string, now: number): number {
    const limit = this.#limit();
    const bucket = refill(this.#buckets.get(device) ?? fullBucket(limit, now), limit, now);
    const wait = waitMs(bucket, limit, 1);
    this.#buckets.set(device, wait > 0 ? bucket : { ...bucket, tokens: bucket.tokens - 1 }, now);
    return wait;
  }

  #limit(): RateLimit {
    return this.deps.deviceLimit ?? DEVICE_RATE_LIMIT;
  }

  /**
   * An owner's signed FeedConsent: a grant, or a revocation that erases the owner's readings of
   * the feed ('' every feed) and refuses new ones until granted again. How many readings it erased.
   */
  async consent(input: unknown): Promise<{ owner: string; feed: string; granted: boolean; erased: number }> {
    const { message } = await verifySignedMessage(this.deps.domain, input, { kind: 'FeedConsent' });
    const erased = await this.deps.store.setConsent(
      message.owner,
      message.feed,
      message.granted,
      input,
      this.#now(),
    );
    return { owner: message.owner, feed: message.feed, granted: message.granted, erased };
  }

  /** Binds a device to its owner: the owner's signed binding, and the device's signature of the same message. */
  async register(binding: unknown, deviceSignature: unknown): Promise<RegisteredDevice> {
    const owner = await verifySignedMessage(this.deps.domain, binding, { kind: 'DeviceBinding' });
    const message: DeviceBinding = owner.message;
    // The device signs the very message its owner signed: it holds the key it is bound by.
    const countersigned = await verifySignedMessage(
      this.deps.domain,
      { kind: 'DeviceBinding', message, signature: deviceSignature },
      { kind: 'DeviceBinding', acceptDelegate: async (signer) => signer === message.device },
    );
    if (countersigned.signer !== message.device)
      throw new IdlegridError(
        'SIGNER_MISMATCH',
        `the binding is not countersigned by the device ${message.device}`,
      );
    const device: RegisteredDevice = {
      device: message.device,
      owner: message.owner,
      kind: message.kind,
      registeredAt: this.#now(),
    };
    await this.deps.store.register(device, {
      binding: {
        kind: 'DeviceBinding',
        message: { ...message, nonce: `${message.nonce}`, expiry: `${message.expiry}` },
        signature: owner.signature,
      },
      deviceSignature,
    });
    return device;
  }

  /**
   * Checks each reading of a request for `feed` (an item is a signed reading, or a device's signed
   * batch of them), takes the good ones at once, and says how each reading went, in order; an
   * item that cannot be opened (bad JSON, not the device's signature) gets one answer.
   */
  async ingest(feed: string, items: readonly unknown[]): Promise<IngestResult[]> {
    const now = this.#now();
    const accepted: Reading[] = [];
    /** Sequence numbers taken in this request, so that a request cannot replay itself. */
    const taken = new Map<string, number>();
    const results: IngestResult[] = [];
    let count = 0;
    for (const item of items) {
      let readings: Reading[];
      try {
        readings = openReadings(item);
        count += readings.length;
        if (count > MAX_READINGS_PER_REQUEST)
          throw new IdlegridError(
            'READING_INVALID',
            `a request carries at most ${MAX_READINGS_PER_REQUEST} readings`,
          );
      } catch (error) {
        if (!isIdlegridError(error)) throw error;
        results.push({ error: { code: error.code, message: error.message } });
        continue;
      }
      for (const reading of readings) results.push(await this.#check(feed, reading, now, taken, accepted));
    }
    await this.deps.store.insert(accepted, now);
    return results;
  }

  /** One opened reading's checks; a good one joins `accepted`. */
  async #check(
    feed: string,
    reading: Reading,
    now: number,
    taken: Map<string, number>,
    accepted: Reading[],
  ): Promise<IngestResult> {
    try {
      if (reading.feed !== feed)
        throw new IdlegridError('READING_INVALID', `the reading is for feed ${reading.feed}, not ${feed}`);
      if (reading.t > now + FUTURE_SLACK_MS)
        throw new IdlegridError(
          'READING_INVALID',
          `the reading is dated ${reading.t - now} ms in the future`,
        );
      const device = await this.deps.store.deviceOf(reading.device);
      if (!device)
        throw new IdlegridError('DEVICE_NOT_REGISTERED', `device ${reading.device} is bound to no owner`);
      if (!(await this.deps.store.consents(device.owner, feed)))
        throw new IdlegridError(
          'CONSENT_REVOKED',
          `the owner of ${reading.device} revoked its consent to ${feed}`,
        );
      const key = reading.device.toLowerCase();
      // Charged only once the signature is the device's: nobody can spend another's tokens.
      const wait = this.#admit(key, now);
      if (wait > 0)
        throw new IdlegridError(
          'RATE_LIMITED',
          `device ${reading.device} sends more than ${this.#limit().rate} readings a second; retry in ${Math.ceil(wait / 1000)} s`,
        );
      const last = Math.max(await this.deps.store.lastSeq(reading.device), taken.get(key) ?? -1);
      if (reading.seq <= last)
        throw new IdlegridError(
          'READING_REPLAYED',
          `seq ${reading.seq} of ${reading.device} is not above ${last}`,
        );
      taken.set(key, reading.seq);
      // Coarsened here: a finer place than the feed's precision is never stored.
      accepted.push({
        ...reading,
        cell: coarsened(reading.cell, this.deps.cellPrecision?.[feed] ?? DEFAULT_CELL_PRECISION),
      });
      return { accepted: true, device: reading.device, seq: reading.seq };
    } catch (error) {
      if (!isIdlegridError(error)) throw error;
      return { error: { code: error.code, message: error.message } };
    }
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

/** A geohash cut to `precision` characters (a coarser cell containing it); other cells as they are. */
export function coarsened(cell: string, precision: number): string {
  return isGeohash(cell) && cell.length > precision ? cell.slice(0, precision) : cell;
}
