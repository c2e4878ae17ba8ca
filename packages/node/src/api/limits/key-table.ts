/**
 * State per key with a bounded size: a Map in least-recently-used order (each use moves its
 * key to the end). Past `maxKeys` the least recently used key is forgotten, and each use also
 * drops the oldest keys while they are idle (their state no different from a fresh one's), so
 * neither an attacker with many keys nor a long run grows memory without bound.
 */
export class KeyTable<V> {
  readonly #entries = new Map<string, V>();
  #evicted = 0;

  constructor(
    private readonly maxKeys: number,
    /** Whether a key's state is as good as forgotten at `now` (a full bucket, no usage today). */
    private readonly isIdle: (value: V, now: number) => boolean,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Keys forgotten while still in use (the table was full). */
  get evicted(): number {
    return this.#evicted;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /** Stores the key's state as most recently used, then trims the table. */
  set(key: string, value: V, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#sweep(key, now);
  }

  #sweep(kept: string, now: number): void {
    // A couple of idle keys per use: amortized, the table sheds its idle keys as fast as it gains new ones.
    for (let checked = 0; checked < 2; checked++) {
      const oldest = this.#entries.entries().next();
      if (oldest.done || oldest.value[0] === kept || !this.isIdle(oldest.value[1], now)) break;
      this.#entries.delete(oldest.value[0]);
    }
    while (this.#entries.size > this.maxKeys) {
      const oldest = this.#entries.keys().next().value!;
      this.#entries.delete(oldest);
      this.#evicted++;
    }
  }
}
