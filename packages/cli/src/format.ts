import { formatAmount } from '@idlegrid/protocol/light';

/** Parses a user-given amount of whole units ("12.5") into base units, or INVALID_ARGUMENT. */
export { parseAmount } from '@idlegrid/protocol/light';

/** Amounts for people, through the protocol's one formatter (significant digits, never "0" for dust). */
export const formatTokens = (amount: bigint): string => `${formatAmount(amount)} GRID`;
export const formatEth = (amount: bigint): string => `${formatAmount(amount)} ETH`;

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
