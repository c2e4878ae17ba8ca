/**
 * log10 of the number of connected groups of `size` or more providers that chance alone would
 * form, if `edges` coincidences fell at random among `nodes` providers (a sparse Erdős–Rényi
 * graph with mean degree c = 2 edges / nodes). Such a group is a tree; the expected number of
 * tree components of k nodes is about nodes k^(k-2) c^(k-1) e^(-ck) / k!. A ring whose members
 * keep agreeing against the majority with ever new mates grows a group far larger than chance
 * makes, before any pair of it repeats.
 */
export function log10ChanceGroups(size: number, nodes: number, edges: number): number {
  if (size < 2 || nodes < 2) return Number.POSITIVE_INFINITY;
  const c = (2 * edges) / nodes;
  if (c <= 0) return Number.NEGATIVE_INFINITY;
  let total = 0;
  let max = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (let k = size; k <= size + 40; k++) {
    const term = Math.log(nodes) + (k - 2) * Math.log(k) - logFactorial(k) + (k - 1) * Math.log(c) - c * k;
    terms.push(term);
    if (term > max) max = term;
  }
  for (const term of terms) total += Math.exp(term - max);
  return (max + Math.log(total)) / Math.LN10;
}

function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
}
