import { IdlegridError } from '@idlegrid/protocol';
import { formatUnits, parseUnits } from 'viem';

export const formatTokens = (amount: bigint): string => `${trim(formatUnits(amount, 18))} GRID`;
export const formatEth = (amount: bigint): string => `${trim(formatUnits(amount, 18))} ETH`;

function trim(decimal: string): string {
  const [whole, fraction = ''] = decimal.split('.');
  const short = fraction.slice(0, 4).replace(/0+$/, '');
  return short ? `${whole}.${short}` : whole!;
}

/** Parses a user-given amount of whole units ("12.5") into base units, or INVALID_ARGUMENT. */
export function parseAmount(text: string, what: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) {
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `${what} must be a non-negative decimal number, got "${text}"`,
    );
  }
  return parseUnits(text.trim(), 18);
}

/** A fixed-width text table for human output. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
