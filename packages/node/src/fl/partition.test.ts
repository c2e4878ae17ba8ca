import { describe, expect, it } from 'vitest';
import { parseSplit, partition } from './partition.js';
import { seededRandom } from './seeded-random.js';

// 1,000 records, 100 of each of 10 labels.
const arrays = {
  labelIndex: Int32Array.from({ length: 1_000 }, (_, i) => i % 10),
  labels: '0123456789'.split(''),
};

const labelsOf = (indices: number[]) => new Set(indices.map((i) => arrays.labelIndex[i]));

describe('partitions of a dataset among providers', () => {
  it('deals every record to exactly one provider, whatever the split', () => {
    for (const text of ['iid', 'dirichlet:0.5', 'shards:2']) {
      const parts = partition(arrays, 5, parseSplit(text), seededRandom(3));
      const all = parts.flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    }
  });

  it('gives IID shards of even size with every label, and pathological shards only a few labels', () => {
    const iid = partition(arrays, 5, parseSplit('iid'), seededRandom(1));
    for (const part of iid) {
      expect(part).toHaveLength(200);
      expect(labelsOf(part).size).toBe(10);
    }
    const shards = partition(arrays, 5, parseSplit('shards:2'), seededRandom(1));
    for (const part of shards) expect(labelsOf(part).size).toBeLessThanOrEqual(4);
  });

  it('skews Dirichlet shards more as alpha shrinks, and repeats itself for a seed', () => {
    // How unevenly a label is spread: the largest share any provider holds of it, averaged.
    const skew = (alpha: number) => {
      const parts = partition(arrays, 5, { kind: 'dirichlet', alpha }, seededRandom(9));
      let total = 0;
      for (let label = 0; label < 10; label++)
        total += Math.max(...parts.map((p) => p.filter((i) => arrays.labelIndex[i] === label).length)) / 100;
      return total / 10;
    };
    expect(skew(0.1)).toBeGreaterThan(skew(100));
    expect(skew(100)).toBeLessThan(0.35);
    const again = (seed: number) =>
      partition(arrays, 5, { kind: 'dirichlet', alpha: 0.5 }, seededRandom(seed));
    expect(again(4)).toEqual(again(4));
  });

  it('refuses a split it does not know', () => {
    for (const text of ['random', 'dirichlet:0', 'shards:1.5', 'shards:x'])
      expect(() => parseSplit(text)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
