import type { Reading } from '@idlegrid/protocol';

/**
 * One cell's readings in time order, with their times in a parallel array: the neighbour search
 * binary-searches and scans the times, which sit together in memory, and touches a reading only
 * once it is inside the window (the readings themselves are scattered over the heap).
 */
export class CellReadings<R extends Reading> {
  readonly readings: R[] = [];
  readonly times: number[] = [];

  get length(): number {
    return this.readings.length;
  }

  /** Adds a reading in its place (after those measured at the same time). */
  insert(reading: R): void {
    const last = this.times.length - 1;
    if (last < 0 || this.times[last]! <= reading.t) {
      this.readings.push(reading);
      this.times.push(reading.t);
      return;
    }
    const at = this.firstAtOrAfter(reading.t + 1);
    this.readings.splice(at, 0, reading);
    this.times.splice(at, 0, reading.t);
  }

  /** The index of the first reading measured at or after `t` (binary search). */
  firstAtOrAfter(t: number): number {
    const times = this.times;
    let [low, high] = [0, times.length];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (times[middle]! < t) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Forgets the readings measured before `t`. */
  dropBefore(t: number): void {
    const first = this.firstAtOrAfter(t);
    if (first === 0) return;
    this.readings.splice(0, first);
    this.times.splice(0, first);
  }
}
