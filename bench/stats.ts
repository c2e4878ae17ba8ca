/** The q-quantile (nearest rank) of `values`; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => quantile(values, 0.5);

/** Milliseconds to one decimal, `n/a` for no value. */
export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
