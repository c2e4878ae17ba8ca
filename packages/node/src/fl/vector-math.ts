/**
 * Flat model updates: every layer's weights, concatenated in the model's weight order, as one
 * Float32Array. Strategies, clipping, secure aggregation and noise all work on this form.
 */
export type Update = Float32Array;

export function l2Norm(vector: Update): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/** The vector scaled down to `maxNorm` when longer (a copy), with its norm before clipping. */
export function clipL2(vector: Update, maxNorm: number): { clipped: Update; norm: number } {
  const norm = l2Norm(vector);
  const clipped = Float32Array.from(vector);
  if (norm > maxNorm) {
    const factor = maxNorm / norm;
    for (let i = 0; i < clipped.length; i++) clipped[i]! *= factor;
  }
  return { clipped, norm };
}

/** a − b, element-wise. */
export function subtract(a: Update, b: Update): Update {
  checkSameLength(a, b);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** a + b, element-wise. */
export function add(a: Update, b: Update): Update {
  checkSameLength(a, b);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function squaredDistance(a: Update, b: Update): number {
  checkSameLength(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return sum;
}

export function checkSameLength(a: Update, b: Update): void {
  if (a.length !== b.length) throw new RangeError(`vectors of ${a.length} and ${b.length} values`);
}
