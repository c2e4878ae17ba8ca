import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactDecimal, formatAmount, parseAmount } from './amounts.js';

const grid = (text: string) => parseAmount(text, 'amount');

describe('formatAmount', () => {
  it('shows small amounts with their significant digits instead of 0', () => {
    expect(formatAmount(50_000_000_000_000n)).toBe('0.00005');
    expect(formatAmount(1n)).toBe('0.000000000000000001');
    expect(formatAmount(grid('0.000123456789'))).toBe('0.000123457');
  });

  it('keeps six significant digits, rounds half up and never cuts the whole part', () => {
    expect(formatAmount(grid('1.2345678'))).toBe('1.23457');
    expect(formatAmount(grid('1234567.89'))).toBe('1234568');
    expect(formatAmount(grid('0.01'))).toBe('0.01');
    expect(formatAmount(grid('1000'))).toBe('1000');
    expect(formatAmount(0n)).toBe('0');
    expect(formatAmount(grid('9.9999999'))).toBe('10');
  });

  it('never shows a nonzero amount as zero', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), (amount) => {
        expect(formatAmount(amount)).not.toBe('0');
      }),
    );
  });
});

describe('parseAmount and exactDecimal', () => {
  it('round-trip every amount exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (amount) => {
        expect(grid(exactDecimal(amount))).toBe(amount);
      }),
    );
  });

  it('refuses what is not a plain non-negative decimal', () => {
    for (const bad of ['-1', '1e3', '0x10', '1.', '.5', '1.0000000000000000001', 'one', ''])
      expect(() => grid(bad)).toThrow(/must be a non-negative decimal/);
  });
});
