import { describe, expect, it } from 'vitest';
import {
  assertNoOverflow,
  decodeSum,
  encodeFixedPoint,
  fixedPointScaleFor,
  MAX_SUM_MAGNITUDE,
  ringAdd,
  ringSub,
} from './fixed-point.js';
import { maxError, plainSum, randomUpdate } from './test-fixtures.js';

describe('fixed point in Z_2^32', () => {
  it('round-trips a vector within half a step', () => {
    const values = randomUpdate(4000, 1);
    const scale = 2 ** 20;
    const decoded = decodeSum(encodeFixedPoint(values, { scale, range: 1 }), scale);
    expect(maxError(decoded, values)).toBeLessThanOrEqual(0.5 / scale + 1e-7);
  });

  it('clips to ±range and refuses NaN', () => {
    const scale = 1000;
    const decoded = decodeSum(
      encodeFixedPoint(Float32Array.of(5, -5, Infinity, -Infinity, 0.25), { scale, range: 2 }),
      scale,
    );
    expect([...decoded]).toEqual([2, -2, 2, -2, 0.25]);
    expect(() => encodeFixedPoint(Float32Array.of(Number.NaN), { scale, range: 1 })).toThrow(/NaN/);
  });

  it('sums of N clients decode to the float sum within N/scale', () => {
    const clients = 10;
    for (const scale of [1000, fixedPointScaleFor({ clients, range: 1 })]) {
      const updates = Array.from({ length: clients }, (_, i) => randomUpdate(3000, 10 + i));
      let sum: Uint32Array = new Uint32Array(3000);
      for (const update of updates) sum = ringAdd(sum, encodeFixedPoint(update, { scale, range: 1 }));
      const expected = plainSum(updates);
      // Rounding is ≤ 0.5/scale per client; the float32 output adds at most 2^-24 · |sum| ≤ 1e-6.
      expect(maxError(decodeSum(sum, scale), expected)).toBeLessThanOrEqual(clients / (2 * scale) + 1e-6);
    }
  });

  it('masks cancel: (x + m) − m = x mod 2^32', () => {
    const x = encodeFixedPoint(randomUpdate(100, 3), { scale: 2 ** 24, range: 1 });
    const mask = Uint32Array.from({ length: 100 }, (_, i) => (i * 2654435761) >>> 0);
    expect(ringSub(ringAdd(x, mask), mask)).toEqual(x);
  });

  it('the largest safe scale holds N clients at the extremes without overflow, and no more', () => {
    const clients = 13;
    const range = 3.5;
    const scale = fixedPointScaleFor({ clients, range });
    expect(clients * Math.floor(range * scale)).toBeLessThanOrEqual(MAX_SUM_MAGNITUDE);
    for (const extreme of [range, -range]) {
      const one = encodeFixedPoint(new Float32Array(4).fill(extreme), { scale, range });
      let sum: Uint32Array = new Uint32Array(4);
      for (let i = 0; i < clients; i++) sum = ringAdd(sum, one);
      expect(decodeSum(sum, scale)[0]).toBeCloseTo(clients * extreme, 4);
    }
    expect(() => assertNoOverflow({ clients, range, scale })).not.toThrow();
    expect(() => assertNoOverflow({ clients, range, scale: scale * 1.01 })).toThrow(/overflow/);
  });
});
