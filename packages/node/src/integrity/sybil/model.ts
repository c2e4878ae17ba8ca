import type { SybilModel } from './api.js';
import { SYBIL_FEATURES } from './features.js';

export function pairProbability(model: SybilModel, x: Float64Array): number {
  let z = model.bias;
  for (let i = 0; i < x.length; i++) z += model.weights[i]! * x[i]!;
  return 1 / (1 + Math.exp(-z));
}

/** Each feature's pull on the log-odds away from a typical pair: what the evidence cites. */
export function contributions(model: SybilModel, x: Float64Array): number[] {
  return model.weights.map((w, i) => w * (x[i]! - model.means[i]!));
}

export interface FitOptions {
  /** L2 penalty on the weights (not the bias): keeps rare features from running away. */
  l2?: number;
  iterations?: number;
  linkThreshold?: number;
  challengeThreshold?: number;
}

/**
 * Fits a logistic model by Newton's method (iteratively reweighted least squares): exact and
 * deterministic, so the same pairs always give the same weights. Positives are weighted up to
 * balance the classes, so the probability reads as odds between a sybil pair and an honest one.
 */
export function fitSybilModel(
  rows: readonly Float64Array[],
  labels: readonly number[],
  options: FitOptions = {},
): SybilModel {
  const d = SYBIL_FEATURES.length + 1;
  const l2 = options.l2 ?? 10;
  const positives = labels.filter((y) => y === 1).length;
  const positiveWeight = positives ? (labels.length - positives) / positives : 1;
  const beta = new Float64Array(d);
  const row = (x: Float64Array) => [1, ...x];
  for (let iteration = 0; iteration < (options.iterations ?? 25); iteration++) {
    const gradient = new Float64Array(d);
    const hessian = Array.from({ length: d }, () => new Float64Array(d));
    rows.forEach((x, n) => {
      const v = row(x);
      let z = 0;
      for (let i = 0; i < d; i++) z += beta[i]! * v[i]!;
      const p = 1 / (1 + Math.exp(-z));
      const weight = labels[n] === 1 ? positiveWeight : 1;
      const curvature = weight * Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < d; i++) {
        gradient[i]! += weight * (labels[n]! - p) * v[i]!;
        for (let j = 0; j < d; j++) hessian[i]![j]! += curvature * v[i]! * v[j]!;
      }
    });
    for (let i = 1; i < d; i++) {
      gradient[i]! -= l2 * beta[i]!;
      hessian[i]![i]! += l2;
    }
    const step = solve(hessian, gradient);
    let moved = 0;
    for (let i = 0; i < d; i++) {
      beta[i]! += step[i]!;
      moved = Math.max(moved, Math.abs(step[i]!));
    }
    if (moved < 1e-8) break;
  }
  const means = SYBIL_FEATURES.map(
    (_, i) => rows.reduce((sum, x) => sum + x[i]!, 0) / Math.max(1, rows.length),
  );
  return {
    features: [...SYBIL_FEATURES],
    weights: Array.from(beta.slice(1), round),
    bias: round(beta[0]!),
    means: means.map(round),
    linkThreshold: options.linkThreshold ?? 0.9,
    challengeThreshold: options.challengeThreshold ?? 0.2,
  };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Gaussian elimination with partial pivoting (the system is small and positive definite). */
function solve(matrix: Float64Array[], vector: Float64Array): Float64Array {
  const n = vector.length;
  const a = matrix.map((r, i) => Float64Array.from([...r, vector[i]!]));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < n; r++) {
      const factor = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= factor * a[col]![c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= a[r]![c]! * x[c]!;
    x[r] = sum / a[r]![r]!;
  }
  return x;
}
