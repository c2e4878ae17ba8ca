/**
 * log10 of P(X >= k) for X ~ Binomial(n, p): how surprising k successes in n trials are when
 * each succeeds with probability p. Summed in log space so that tails far below 1e-300 (a ring
 * that agreed in dispute after dispute) stay comparable instead of rounding to zero.
 */
export function log10BinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return Number.NEGATIVE_INFINITY;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logChoose = logBinomial(n, k);
  let max = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (let i = k; i <= n; i++) {
    const term = logChoose + i * logP + (n - i) * logQ;
    terms.push(term);
    if (term > max) max = term;
    // C(n, i + 1) = C(n, i) (n - i) / (i + 1)
    logChoose += Math.log(n - i) - Math.log(i + 1);
  }
  let sum = 0;
  for (const term of terms) sum += Math.exp(term - max);
  return Math.min(0, (max + Math.log(sum)) / Math.LN10);
}

function logBinomial(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const FACTORIALS: number[] = [0];

function logFactorial(n: number): number {
  for (let i = FACTORIALS.length; i <= n; i++) FACTORIALS.push(FACTORIALS[i - 1]! + Math.log(i));
  return FACTORIALS[n]!;
}
