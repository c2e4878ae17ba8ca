import { describe, expect, it } from 'vitest';
import { medianInPlace } from './median.js';

const sortedMedian = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

describe('medianInPlace', () => {
  it("is the sorted values' middle, for odd and even counts, with ties and negative values", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 2_000; trial++) {
      const count = 1 + Math.floor(random() * 60);
      // Few distinct values in some trials: many ties.
      const spread = trial % 3 === 0 ? 3 : 1_000;
      const values = Array.from(
        { length: count },
        () => Math.floor(random() * spread) - spread / 2 + random() * (trial % 2),
      );
      // Room past `count` holds other values, as the scorer's scratch does.
      const buffer = Float64Array.from([...values, 1e9, -1e9]);
      expect(medianInPlace(buffer, count)).toBe(sortedMedian(values));
    }
  });
});
