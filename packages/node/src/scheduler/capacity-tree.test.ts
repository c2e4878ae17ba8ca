import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapacityTree } from './capacity-tree.js';

describe('CapacityTree', () => {
  it('finds the first index with enough room, as a linear scan would, through updates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1, max: 8 }), { minLength: 1, maxLength: 70 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -1, max: 8 })), { maxLength: 20 }),
        fc.nat(),
        fc.integer({ min: 0, max: 9 }),
        (values, updates, from, need) => {
          const tree = new CapacityTree(values);
          const copy = [...values];
          for (const [at, value] of updates) {
            tree.set(at % copy.length, value);
            copy[at % copy.length] = value;
          }
          const start = from % copy.length;
          const expected = copy.findIndex((value, i) => i >= start && value >= need);
          expect(tree.firstAtLeast(start, need)).toBe(expected);
        },
      ),
    );
  });
});
