import { IdlegridError } from '../errors/idlegrid-error.js';

/**
 * Remembers (kind, author, nonce) of accepted messages until they expire. Messages are
 * rejected after their expiry anyway, so the memory stays bounded by the traffic within
 * the longest allowed lifetime. Nonces need not be sequential: concurrent senders work.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, bigint>();
  #nextPruneAt = 0n;

  /** Records the message or throws MESSAGE_REPLAYED if it was seen before. */
  accept(kind: string, author: string, nonce: bigint, expiry: bigint, nowSeconds: bigint): void {
    if (nowSeconds >= this.#nextPruneAt) this.#prune(nowSeconds);
    const key = `${kind}:${author.toLowerCase()}:${nonce}`;
    if (this.#seen.has(key)) {
      throw new IdlegridError('MESSAGE_REPLAYED', `${kind} nonce ${nonce} from ${author} was already used`, {
        details: { kind, author, nonce: nonce.toString() },
      });
    }
    this.#seen.set(key, expiry);
  }

  get size(): number {
    return this.#seen.size;
  }

  #prune(nowSeconds: bigint): void {
    for (const [key, expiry] of this.#seen) if (expiry < nowSeconds) this.#seen.delete(key);
    this.#nextPruneAt = nowSeconds + 60n;
  }
}
