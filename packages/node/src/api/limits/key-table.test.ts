import { describe, expect, it } from 'vitest';
import { KeyLimiter } from './key-limiter.js';
import { KeyTable } from './key-table.js';

describe('KeyTable', () => {
  it('never holds more than maxKeys, forgetting the least recently used', () => {
    const table = new KeyTable<number>(100, () => false);
    table.set('kept', 0, 0);
    for (let i = 0; i < 100_000; i++) {
      table.set(`key-${i}`, i, 0);
      // A key in use stays: it is always among the most recent.
      if (i % 50 === 0) table.set('kept', i, 0);
    }
    expect(table.size).toBe(100);
    expect(table.get('kept')).toBeDefined();
    expect(table.get('key-0')).toBeUndefined();
    expect(table.evicted).toBe(100_001 - 100);
  });

  it('drops idle keys as new ones come, long before it is full', () => {
    let now = 0;
    const table = new KeyTable<number>(1_000, (seen, at) => at - seen > 10);
    for (let i = 0; i < 10_000; i++) table.set(`key-${i}`, now++, now);
    // Each key idles after 10 ticks: the table holds about the last ten, with no eviction.
    expect(table.size).toBeLessThanOrEqual(12);
    expect(table.evicted).toBe(0);
  });

  it('bounds a limiter an attacker feeds with a new key per request', () => {
    let now = 0;
    const limiter = new KeyLimiter({
      name: 'client',
      limit: { rate: 1, burst: 10 },
      perDay: 100,
      maxKeys: 500,
      clock: () => now,
    });
    for (let i = 0; i < 50_000; i++) {
      limiter.take(`0x${i.toString(16)}`, 1, 1);
      now += 1;
    }
    expect(limiter.keys).toBeLessThanOrEqual(500);
  });
});
