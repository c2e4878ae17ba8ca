/** A binary min-heap of timed events; ties leave in insertion order, so runs are reproducible. */
export class EventQueue<E> {
  readonly #times: number[] = [];
  readonly #orders: number[] = [];
  readonly #events: E[] = [];
  #inserted = 0;

  get size(): number {
    return this.#events.length;
  }

  push(time: number, event: E): void {
    this.#times.push(time);
    this.#orders.push(this.#inserted++);
    this.#events.push(event);
    this.#up(this.#events.length - 1);
  }

  /** The earliest event and its time, or undefined when empty. */
  pop(): { time: number; event: E } | undefined {
    if (this.#events.length === 0) return undefined;
    const time = this.#times[0]!;
    const event = this.#events[0]!;
    const last = this.#events.length - 1;
    this.#swap(0, last);
    this.#times.pop();
    this.#orders.pop();
    this.#events.pop();
    this.#down(0);
    return { time, event };
  }

  #before(a: number, b: number): boolean {
    const ta = this.#times[a]!;
    const tb = this.#times[b]!;
    return ta < tb || (ta === tb && this.#orders[a]! < this.#orders[b]!);
  }

  #up(index: number): void {
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(index: number): void {
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.#events.length && this.#before(left, smallest)) smallest = left;
      if (right < this.#events.length && this.#before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #swap(a: number, b: number): void {
    [this.#times[a], this.#times[b]] = [this.#times[b]!, this.#times[a]!];
    [this.#orders[a], this.#orders[b]] = [this.#orders[b]!, this.#orders[a]!];
    [this.#events[a], this.#events[b]] = [this.#events[b]!, this.#events[a]!];
  }
}
