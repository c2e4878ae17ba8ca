import { IdlegridError } from '../errors/idlegrid-error.js';

/** GRID and ETH both have 18 decimals: amounts travel as integers of base units (wei). */
export const DECIMALS = 18;
const UNIT = 10n ** BigInt(DECIMALS);
/** Significant digits shown to people: enough for any price, never a nonzero amount shown as 0. */
const SIGNIFICANT_DIGITS = 6;

/**
 * The one way amounts are shown to people (CLI, dashboard, API listings): whole units with
 * at most six significant digits, rounded half up, trailing zeros cut. The whole part is
 * never cut. 50_000_000_000_000n -> "0.00005"; 1_234_567_800_000_000_000n -> "1.23457".
 */
export function formatAmount(amount: bigint): string {
  if (amount < 0n) return `-${formatAmount(-amount)}`;
  const whole = amount / UNIT;
  const wholeDigits = whole === 0n ? 0 : whole.toString().length;
  // Fraction digits needed for six significant digits in all (leading zeros do not count).
  let fractionDigits: number;
  if (whole > 0n) fractionDigits = Math.max(0, SIGNIFICANT_DIGITS - wholeDigits);
  else {
    const fraction = amount.toString().padStart(DECIMALS, '0');
    const leadingZeros = fraction.length - fraction.replace(/^0+/, '').length;
    fractionDigits = Math.min(DECIMALS, leadingZeros + SIGNIFICANT_DIGITS);
  }
  const step = 10n ** BigInt(DECIMALS - fractionDigits);
  const rounded = ((amount + step / 2n) / step) * step;
  return exactDecimal(rounded);
}

/** Every digit, trailing zeros cut: for JSON and places that must not round. */
export function exactDecimal(amount: bigint): string {
  if (amount < 0n) return `-${exactDecimal(-amount)}`;
  const whole = amount / UNIT;
  const fraction = (amount % UNIT).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** Parses whole units given by a person ("12.5", "0.0001") into base units, or INVALID_ARGUMENT. */
export function parseAmount(text: string, what: string): bigint {
  const trimmed = text.trim();
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(trimmed);
  if (!match) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `${what} must be a non-negative decimal number, got "${text}"`,
    );
  }
  return BigInt(match[1]!) * UNIT + BigInt((match[2] ?? '').padEnd(DECIMALS, '0'));
}
