import type { Reading } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { CellReadings } from './cell-readings.js';

const reading = (t: number, seq: number): Reading => ({
  device: '0x0000000000000000000000000000000000000001',
  feed: 'weather',
  t,
  cell: 'u4pruy',
  v: { temperature: 15 },
  seq,
});

describe('a cell’s readings', () => {
  it('keeps readings and their times in time order, late ones in their place, and forgets the old', () => {
    const cell = new CellReadings<Reading>();
    for (const [t, seq] of [
      [10, 1],
      [30, 2],
      [20, 3],
      [30, 4],
      [5, 5],
    ] as const)
      cell.insert(reading(t, seq));
    expect(cell.times).toEqual([5, 10, 20, 30, 30]);
    // Measured at the same time: in the order they came.
    expect(cell.readings.map((r) => r.seq)).toEqual([5, 1, 3, 2, 4]);
    expect(cell.firstAtOrAfter(11)).toBe(2);
    expect(cell.firstAtOrAfter(31)).toBe(5);
    cell.dropBefore(20);
    expect(cell.times).toEqual([20, 30, 30]);
    expect(cell.readings.map((r) => r.t)).toEqual(cell.times);
    cell.dropBefore(100);
    expect(cell.length).toBe(0);
  });
});
