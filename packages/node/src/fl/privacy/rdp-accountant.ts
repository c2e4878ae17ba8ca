/**
 * A Rényi-DP accountant for the sampled Gaussian mechanism (SGM): each step releases
 * `f(sample) + N(0, σ²·Δ²)` where the sample holds each record independently with probability q
 * (Poisson sampling) and Δ is f's L2 sensitivity (the clip). DP-SGD and DP-FedAvg are compositions
 * of such steps; RDP composes by adding, and converts to (ε, δ)-DP at the end.
 *
 * The RDP of one step at order α is `log A_α / (α − 1)` with A_α as in Mironov, Talwar & Zhang
 * (2019), "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (arXiv:1908.10530):
 * - integer α (§3.2): `A_α = Σ_{k=0..α} C(α,k) (1−q)^{α−k} q^k exp((k²−k)/(2σ²))`;
 * - fractional α (§3.3): the two infinite series over k with the generalized binomial C(α,k) and
 *   erfc tails, summed until their terms drop below e^−30 (as TF Privacy and Opacus do);
 * - q = 1 is the plain Gaussian mechanism: α/(2σ²).
 * Everything is computed in log space. Both the integer and the fractional formulas are implemented
 * (the tests check that the fractional series agrees with the integer sum at integer orders).
 *
 * Conversion to (ε, δ) uses the improved bound of Balle et al. (2020) / Canonne, Kamath & Steinke
 * (2020): `ε = rdp − (log δ + log α)/(α − 1) + log((α − 1)/α)`, minimized over the orders.
 *
 * The analysis assumes Poisson sampling; shuffling into fixed-size batches (what most training loops
 * do, `trainLocally` included) is the usual approximation, as in the TF Privacy tutorials.
 */

/** Rényi orders, as in TF Privacy's tutorials: fractional ones for small ε, large ones for large ε. */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  1.25,
  1.5,
  1.75,
  2,
  2.25,
  2.5,
  3,
  3.5,
  4,
  4.5,
  ...Array.from({ length: 60 }, (_, i) => 5 + i),
  128,
  256,
]);

/** One or more steps of the sampled Gaussian mechanism with the same parameters. */
export interface SampledGaussianSteps {
  /** q: the probability that a record is in a step's sample (batch size / examples), in [0, 1]. */
  sampleRate: number;
  /** σ = noise std / L2 sensitivity (≥ 0; 0 means no privacy: ε = ∞). */
  noiseMultiplier: number;
  /** How many steps (a non-negative integer). */
  steps: number;
}

/** The RDP of `steps` compositions of the sampled Gaussian mechanism, one value per order. */
export function rdpOfSampledGaussian(
  { sampleRate, noiseMultiplier, steps }: SampledGaussianSteps,
  orders: readonly number[] = DEFAULT_ORDERS,
): number[] {
  checkSteps({ sampleRate, noiseMultiplier, steps });
  checkOrders(orders);
  return orders.map((order) => {
    if (sampleRate === 0 || steps === 0) return 0;
    if (noiseMultiplier === 0) return Number.POSITIVE_INFINITY;
    return rdpOfOneStep(sampleRate, noiseMultiplier, order) * steps;
  });
}

/** The (ε, δ)-DP that an RDP curve gives, at its best order (the improved conversion). */
export function epsilonFor(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = DEFAULT_ORDERS,
): { epsilon: number; order: number } {
  return bestOrder(rdp, delta, orders, (value, alpha) =>
    // A curve this low is (0, δ)-DP outright: D_½ ≤ D_α = value bounds the Hellinger distance, and
    // with it the total variation, TV ≤ √(1 − e^{−D_½}) ≤ δ (the shortcut TF Privacy's compute_eps takes).
    delta * delta + Math.expm1(-value) >= 0
      ? 0
      : value - (Math.log(delta) + Math.log(alpha)) / (alpha - 1) + Math.log1p(-1 / alpha),
  );
}

/**
 * ε by the classic conversion of Mironov (2017), `ε = rdp − log δ/(α − 1)`: looser than
 * `epsilonFor`, and what older TF Privacy releases (and their published tables) report; for comparing.
 */
export function classicEpsilonFor(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[] = DEFAULT_ORDERS,
): { epsilon: number; order: number } {
  return bestOrder(rdp, delta, orders, (value, alpha) => value - Math.log(delta) / (alpha - 1));
}

function bestOrder(
  rdp: readonly number[],
  delta: number,
  orders: readonly number[],
  epsilonAt: (rdp: number, order: number) => number,
): { epsilon: number; order: number } {
  checkDelta(delta);
  checkOrders(orders);
  if (rdp.length !== orders.length) {
    throw new RangeError(`${rdp.length} RDP values for ${orders.length} orders`);
  }
  let best = { epsilon: Number.POSITIVE_INFINITY, order: orders[0]! };
  for (let i = 0; i < orders.length; i++) {
    const alpha = orders[i]!;
    const value = rdp[i]!;
    if (Number.isNaN(value) || value < 0) throw new RangeError(`RDP at order ${alpha} is ${value}`);
    const epsilon = epsilonAt(value, alpha);
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/**
 * The smallest noise multiplier σ (to a relative `precision`) whose ε after `steps` steps at
 * `sampleRate` is at most `epsilon`, found by bisection (ε decreases as σ grows).
 */
export function noiseMultiplierFor({
  epsilon,
  delta,
  sampleRate,
  steps,
  orders = DEFAULT_ORDERS,
  precision = 1e-6,
}: {
  epsilon: number;
  delta: number;
  sampleRate: number;
  steps: number;
  orders?: readonly number[];
  /** Stop when the bracket is narrower than this fraction of σ (default 1e-6). */
  precision?: number;
}): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon ${epsilon} is not > 0`);
  checkDelta(delta);
  checkSteps({ sampleRate, noiseMultiplier: 1, steps });
  if (sampleRate === 0 || steps === 0) return 0;
  const epsilonAt = (noiseMultiplier: number) =>
    epsilonFor(rdpOfSampledGaussian({ sampleRate, noiseMultiplier, steps }, orders), delta, orders).epsilon;
  let low = 0; // ε(0) = ∞ > epsilon
  let high = 1;
  while (epsilonAt(high) > epsilon) {
    low = high;
    high *= 2;
    if (high > 2 ** 30) throw new RangeError(`no noise multiplier up to 2^30 reaches epsilon ${epsilon}`);
  }
  while (high - low > precision * high) {
    const middle = (low + high) / 2;
    if (epsilonAt(middle) > epsilon) low = middle;
    else high = middle;
  }
  return high;
}

/** What a `PrivacyAccountant` persists: plain JSON (an infinite RDP is written as null). */
export interface PrivacyAccountantJson {
  kind: 'rdp-sampled-gaussian';
  version: 1;
  delta: number;
  orders: number[];
  rdp: (number | null)[];
  steps: number;
}

/**
 * The privacy spent so far by a sequence of sampled Gaussian steps (possibly with different
 * parameters), as an RDP curve, reported as ε at a fixed δ.
 */
export class PrivacyAccountant {
  readonly delta: number;
  readonly orders: readonly number[];
  #rdp: number[];
  #steps = 0;

  constructor({ delta, orders = DEFAULT_ORDERS }: { delta: number; orders?: readonly number[] }) {
    checkDelta(delta);
    checkOrders(orders);
    this.delta = delta;
    this.orders = Object.freeze([...orders]);
    this.#rdp = orders.map(() => 0);
  }

  /** Adds the steps to the account; answers ε afterwards. */
  spend(steps: SampledGaussianSteps): number {
    this.#rdp = this.#rdpAfter(steps);
    this.#steps += steps.steps;
    return this.epsilon();
  }

  /** ε spent so far (0 before any step). */
  epsilon(): number {
    return this.spent().epsilon;
  }

  /** ε spent so far and the order that gives it. */
  spent(): { epsilon: number; order: number } {
    return epsilonFor(this.#rdp, this.delta, this.orders);
  }

  /** ε if these steps were spent too, leaving the account as it is (to stop before a round that would overspend). */
  epsilonAfter(steps: SampledGaussianSteps): number {
    return epsilonFor(this.#rdpAfter(steps), this.delta, this.orders).epsilon;
  }

  /** Steps spent so far. */
  get steps(): number {
    return this.#steps;
  }

  /** The RDP spent so far, one value per order (a copy). */
  rdp(): number[] {
    return [...this.#rdp];
  }

  toJSON(): PrivacyAccountantJson {
    return {
      kind: 'rdp-sampled-gaussian',
      version: 1,
      delta: this.delta,
      orders: [...this.orders],
      rdp: this.#rdp.map((value) => (Number.isFinite(value) ? value : null)),
      steps: this.#steps,
    };
  }

  /** An accountant from `toJSON()`'s output (or its JSON text, parsed); throws on anything else. */
  static fromJSON(json: unknown): PrivacyAccountant {
    const value = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<PrivacyAccountantJson>;
    if (typeof value !== 'object' || value === null) throw new TypeError('not a privacy accountant');
    if (value.kind !== 'rdp-sampled-gaussian' || value.version !== 1) {
      throw new TypeError(`not an rdp-sampled-gaussian accountant of version 1`);
    }
    const { delta, orders, rdp, steps } = value;
    if (typeof delta !== 'number' || !Array.isArray(orders) || !Array.isArray(rdp)) {
      throw new TypeError('a privacy accountant needs delta, orders and rdp');
    }
    if (rdp.length !== orders.length)
      throw new TypeError(`${rdp.length} RDP values for ${orders.length} orders`);
    if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) {
      throw new TypeError(`steps ${steps} is not a non-negative integer`);
    }
    const values = rdp.map((entry) => (entry === null ? Number.POSITIVE_INFINITY : entry));
    if (!values.every((entry) => typeof entry === 'number' && entry >= 0)) {
      throw new TypeError('RDP values must be non-negative numbers (or null for infinity)');
    }
    const accountant = new PrivacyAccountant({ delta, orders });
    accountant.#rdp = values;
    accountant.#steps = steps;
    return accountant;
  }

  #rdpAfter(steps: SampledGaussianSteps): number[] {
    const added = rdpOfSampledGaussian(steps, this.orders);
    return this.#rdp.map((value, i) => value + added[i]!);
  }
}

// ---- the RDP of one step -------------------------------------------------------------------

function rdpOfOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * sigma * sigma);
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
  // A_α ≥ 1 in exact arithmetic; rounding may leave a hair below.
  return Math.max(0, logA) / (alpha - 1);
}

/** log A_α for an integer α: a finite sum of α + 1 terms. Exported for the tests. */
export function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1MinusQ = Math.log1p(-q);
  let logA = Number.NEGATIVE_INFINITY;
  let logBinomial = 0; // log C(α, 0)
  for (let k = 0; k <= alpha; k++) {
    if (k > 0) logBinomial += Math.log(alpha - k + 1) - Math.log(k);
    const term = logBinomial + k * logQ + (alpha - k) * log1MinusQ + (k * k - k) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/** Where the fractional series stop, if their terms have not dropped below e^−30 before. */
const MAX_SERIES_TERMS = 10_000_000;

/**
 * log A_α for a fractional α > 1 (Mironov, Talwar & Zhang 2019, §3.3): A_α = A₀ + A₁ with
 * A₀ = Σ_k C(α,k) q^k (1−q)^{α−k} e^{(k²−k)/(2σ²)} · ½erfc((k − z₀)/(√2σ)) and
 * A₁ = Σ_k C(α,k) q^{α−k} (1−q)^k e^{((α−k)²−(α−k))/(2σ²)} · ½erfc((z₀ − (α−k))/(√2σ)),
 * z₀ = σ² log(1/q − 1) + ½, C(α,k) the generalized binomial (of alternating sign past k = ⌈α⌉).
 * Exported for the tests (it also holds at integer α, where C(α,k) = 0 past k = α).
 */
export function logAFractional(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1MinusQ = Math.log1p(-q);
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const twoSigmaSquared = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  let logAbsBinomial = 0; // log |C(α, 0)|
  let sign = 1;
  for (let k = 0; k < MAX_SERIES_TERMS; k++) {
    if (k > 0) {
      const factor = (alpha - k + 1) / k;
      if (factor === 0) break; // an integer α: every further C(α, k) is 0
      if (factor < 0) sign = -sign;
      logAbsBinomial += Math.log(Math.abs(factor));
    }
    const j = alpha - k;
    const logT0 = logAbsBinomial + k * logQ + j * log1MinusQ;
    const logT1 = logAbsBinomial + j * logQ + k * log1MinusQ;
    const logE0 = Math.log(0.5) + logErfc((k - z0) / sqrt2Sigma);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);
    const logS0 = logT0 + (k * k - k) / twoSigmaSquared + logE0;
    const logS1 = logT1 + (j * j - j) / twoSigmaSquared + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

function logAdd(a: number, b: number): number {
  const high = Math.max(a, b);
  if (high === Number.NEGATIVE_INFINITY) return high;
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}

/** log(e^a − e^b), for a ≥ b. */
function logSub(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a < b) throw new RangeError('negative intermediate sum in the fractional RDP series');
  if (a === b) return Number.NEGATIVE_INFINITY;
  return a + Math.log1p(-Math.exp(b - a));
}

// ---- log erfc, accurate for large arguments --------------------------------------------------

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * log(erfc(x)) for any real x, to about 1e-14 relative: erf's everywhere-positive series
 * (erf(x) = 2/√π · e^{−x²} · Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1))) below 3, erfc's continued fraction
 * from 3 on (evaluated in log space, so it does not underflow for large x).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 3) return logErfcContinuedFraction(x);
  if (x >= 0) return Math.log1p(-erfSeries(x));
  // erfc(x) = 1 + erf(|x|) ∈ (1, 2]
  if (x > -3) return Math.log1p(erfSeries(-x));
  return Math.log(2 - Math.exp(logErfcContinuedFraction(-x)));
}

/** erf(x) for 0 ≤ x < 3 by the series of positive terms. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/**
 * log erfc(x) for x ≥ 3: erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 * by the modified Lentz method.
 */
function logErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

// ---- argument checks -----------------------------------------------------------------------

function checkSteps({ sampleRate, noiseMultiplier, steps }: SampledGaussianSteps): void {
  if (!(sampleRate >= 0 && sampleRate <= 1))
    throw new RangeError(`sample rate ${sampleRate} is not in [0, 1]`);
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw new RangeError(`noise multiplier ${noiseMultiplier} is not a finite number ≥ 0`);
  }
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`steps ${steps} is not an integer ≥ 0`);
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta ${delta} is not in (0, 1)`);
}

function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw new RangeError('no RDP orders');
  for (const order of orders) {
    if (!(order > 1) || !Number.isFinite(order))
      throw new RangeError(`RDP order ${order} is not a finite number > 1`);
  }
}
