/**
 * A max segment tree over a list's free cores, so that a scan in score order jumps straight
 * to the next provider with room instead of walking past every full one: when the best
 * providers are busy (the usual case: everyone wants them), a placement still costs
 * O(log n) to find each candidate.
 */
export class CapacityTree {
  readonly #leaves: number;
  readonly #max: Float64Array;

  constructor(values: readonly number[]) {
    let leaves = 1;
    while (leaves < values.length) leaves *= 2;
    this.#leaves = leaves;
    this.#max = new Float64Array(2 * leaves).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < values.length; i++) this.#max[leaves + i] = values[i]!;
    for (let node = leaves - 1; node >= 1; node--) {
      this.#max[node] = Math.max(this.#max[2 * node]!, this.#max[2 * node + 1]!);
    }
  }

  set(index: number, value: number): void {
    let node = this.#leaves + index;
    this.#max[node] = value;
    for (node >>= 1; node >= 1; node >>= 1) {
      const max = Math.max(this.#max[2 * node]!, this.#max[2 * node + 1]!);
      if (this.#max[node] === max) return;
      this.#max[node] = max;
    }
  }

  /** The first index at or after `from` whose value is at least `need`, or -1. */
  firstAtLeast(from: number, need: number): number {
    if (from >= this.#leaves) return -1;
    const max = this.#max;
    let node = this.#leaves + from;
    if (max[node]! >= need) return from;
    // Climb until a right sibling's subtree holds a large enough value...
    for (;;) {
      while (node & 1) {
        node >>= 1;
        if (node === 0) return -1;
      }
      node += 1;
      if (max[node]! >= need) break;
    }
    // ...then descend to its leftmost such leaf.
    while (node < this.#leaves) node = max[2 * node]! >= need ? 2 * node : 2 * node + 1;
    return node - this.#leaves;
  }
}
