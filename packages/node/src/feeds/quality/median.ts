/** Scratch space for medians: the scorer takes four a reading, and allocating each was a fair share of its time. */
let scratch = new Float64Array(256);

/** A scratch array of at least `length` values, overwritten by the next caller. */
export function scratchValues(length: number): Float64Array {
  if (scratch.length < length) scratch = new Float64Array(2 ** Math.ceil(Math.log2(length)));
  return scratch;
}

/**
 * The median of the first `count` values (the mean of the two middle ones for an even count),
 * by quickselect in place: the values are reordered. Linear time, where a sort took n log n.
 */
export function medianInPlace(values: Float64Array, count: number): number {
  const middle = count >> 1;
  const upper = select(values, count, middle);
  if (count % 2) return upper;
  // The selection leaves every value before `middle` at most `upper`: the lower middle is their largest.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < middle; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** The k-th smallest (from 0) of the first `count` values; smaller ones end before it, larger after (Hoare). */
function select(values: Float64Array, count: number, k: number): number {
  let low = 0;
  let high = count - 1;
  while (high > low) {
    const pivot = values[(low + high) >> 1]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k]!;
  }
  return values[k]!;
}
