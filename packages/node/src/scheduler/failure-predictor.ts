import type { Telemetry } from './api.js';

export const FAILURE_FEATURES = [
  'bias',
  'cpuLoad',
  'memoryPressure',
  'hourSin',
  'hourCos',
  'pastDisconnects',
  'newSession',
  'pastFailedJobs',
] as const;

export type FailureFeature = (typeof FAILURE_FEATURES)[number];

/** Advice on one provider (predictive maintenance): how likely it drops out, and why. */
export interface DropoutRisk {
  /** The probability that it drops out within the next hour. */
  perHour: number;
  /** The same at its usual level: a slow average of its own past risk (6-hour half-life). */
  usualPerHour: number;
  /** Its risk rose well above its usual level: a drop-out rate at least twice the usual one, and at least 1% an hour. */
  rising: boolean;
  /** Since when it has been rising (ms); null when it is not. */
  risingSince: number | null;
  /** What pushes its risk up most now: each feature's value and its part of the log-odds, largest first. */
  reasons: { feature: FailureFeature; value: number; contribution: number }[];
}

/** Risk at least this many times the usual level, and at least RISING_FLOOR an hour, is rising. */
const RISING_FACTOR = 2;
const RISING_FLOOR = 0.01;
const USUAL_HALF_LIFE_MS = 6 * 3_600_000;

interface History {
  telemetry: Telemetry | undefined;
  features: Float64Array | undefined;
  sampledAt: number;
  sessionStart: number;
  /** Exponentially decayed counts (half-life `historyHalfLifeMs`). */
  disconnects: number;
  failedJobs: number;
  decayedAt: number;
  /** Cached: per second, from the latest features. */
  hazard: number;
  /** The slow average of `hazard` (USUAL_HALF_LIFE_MS), and when it was last moved. */
  usualHazard: number;
  usualAt: number;
  risingSince: number | null;
}

export interface FailurePredictorOptions {
  /** The heartbeat period the model's probability is per. */
  intervalMs: number;
  historyHalfLifeMs?: number;
  learningRate?: number;
}

/**
 * Predicts how likely a provider is to drop out (crash, lose its network, get switched off)
 * in the next heartbeat interval, from its telemetry and its own record: online logistic
 * regression, one training step per heartbeat interval survived (label 0) or ended by a
 * disconnect (label 1): predictive maintenance learned from the network's own history.
 * AdaGrad step sizes keep rare failures from being drowned by the many quiet intervals.
 */
export class FailurePredictor {
  readonly weights = new Float64Array(FAILURE_FEATURES.length);
  readonly #gradSquares = new Float64Array(FAILURE_FEATURES.length).fill(1e-6);
  readonly #histories = new Map<string, History>();
  readonly #halfLife: number;
  readonly #rate: number;
  #samples = 0;
  #failures = 0;

  constructor(private readonly options: FailurePredictorOptions) {
    this.#halfLife = options.historyHalfLifeMs ?? 86_400_000;
    this.#rate = options.learningRate ?? 0.1;
    // Start from a plausible prior: one interval in a thousand ends in a disconnect.
    this.weights[0] = Math.log(1 / 999);
  }

  /** The provider (re)joined: a new session starts. */
  recordOnline(address: string, nowMs: number): void {
    const history = this.#history(address, nowMs);
    history.sessionStart = nowMs;
    history.features = history.telemetry && this.#features(history, history.telemetry, nowMs);
    history.sampledAt = nowMs;
    history.hazard = this.#hazardOf(history.features);
  }

  /** A heartbeat: the previous interval was survived; the new telemetry sets the hazard. */
  recordTelemetry(address: string, telemetry: Telemetry, nowMs: number): void {
    const history = this.#history(address, nowMs);
    if (history.features && nowMs - history.sampledAt <= 2 * this.options.intervalMs) {
      this.#train(history.features, 0);
    }
    history.telemetry = telemetry;
    history.features = this.#features(history, telemetry, nowMs);
    history.sampledAt = nowMs;
    history.hazard = this.#hazardOf(history.features);
    this.#followUsual(history, nowMs);
  }

  /** The provider vanished without notice: the interval it was in ends in a failure. */
  recordDisconnect(address: string, nowMs: number): void {
    const history = this.#history(address, nowMs);
    if (history.features) this.#train(history.features, 1);
    history.features = undefined;
    history.disconnects += 1;
  }

  /** A job failed on the provider (it ran but did not deliver). */
  recordFailedJob(address: string, nowMs: number): void {
    this.#history(address, nowMs).failedJobs += 1;
  }

  /** Failures per second expected of this provider now (the prior for one never seen). */
  hazardPerSecond(address: string): number {
    return this.#histories.get(address)?.hazard ?? this.#hazardOf(undefined);
  }

  /** The probability that the provider drops out within `seconds`. */
  failureProbability(address: string, seconds: number): number {
    return 1 - Math.exp(-this.hazardPerSecond(address) * seconds);
  }

  /** Each feature's contribution to the provider's log-odds, for a decision's explanation. */
  explain(address: string): Record<FailureFeature, number> {
    const features = this.#histories.get(address)?.features;
    return Object.fromEntries(
      FAILURE_FEATURES.map((name, i) => [name, (features?.[i] ?? (i === 0 ? 1 : 0)) * this.weights[i]!]),
    ) as Record<FailureFeature, number>;
  }

  /** How likely the provider drops out within the hour, against its usual level, and why (see DropoutRisk). */
  riskOf(address: string): DropoutRisk {
    const history = this.#histories.get(address);
    const perHour = (hazard: number) => 1 - Math.exp(-hazard * 3_600);
    const hazard = history?.hazard ?? this.#hazardOf(undefined);
    const contributions = this.explain(address);
    const reasons = FAILURE_FEATURES.map((feature, i) => ({
      feature,
      value: history?.features?.[i] ?? 0,
      contribution: contributions[feature],
    }))
      .filter((reason) => reason.feature !== 'bias' && reason.contribution > 0)
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, 3);
    return {
      perHour: perHour(hazard),
      usualPerHour: perHour(history?.usualHazard ?? hazard),
      rising: history?.risingSince != null,
      risingSince: history?.risingSince ?? null,
      reasons,
    };
  }

  get stats(): { samples: number; failures: number } {
    return { samples: this.#samples, failures: this.#failures };
  }

  #features(history: History, telemetry: Telemetry, nowMs: number): Float64Array {
    const hour = (2 * Math.PI * telemetry.localHour) / 24;
    const sessionHours = (nowMs - history.sessionStart) / 3_600_000;
    return Float64Array.of(
      1,
      Math.min(1.5, Math.max(0, telemetry.cpuLoad)),
      1 - Math.min(1, Math.max(0, telemetry.memoryFree)),
      Math.sin(hour),
      Math.cos(hour),
      Math.log1p(history.disconnects),
      Math.exp(-sessionHours / 2),
      Math.log1p(history.failedJobs),
    );
  }

  /** Moves the usual level towards the current one, and notes when the risk starts or stops rising. */
  #followUsual(history: History, nowMs: number): void {
    const kept = 0.5 ** ((nowMs - history.usualAt) / USUAL_HALF_LIFE_MS);
    history.usualHazard = kept * history.usualHazard + (1 - kept) * history.hazard;
    history.usualAt = nowMs;
    const perHour = 1 - Math.exp(-history.hazard * 3_600);
    // Rates, not probabilities, are compared: an hour's probability saturates near 1.
    const rising = perHour >= RISING_FLOOR && history.hazard >= RISING_FACTOR * history.usualHazard;
    if (!rising) history.risingSince = null;
    else history.risingSince ??= nowMs;
  }

  #hazardOf(features: Float64Array | undefined): number {
    const p = sigmoid(features ? dot(this.weights, features) : this.weights[0]!);
    return -Math.log1p(-Math.min(p, 0.999_999)) / (this.options.intervalMs / 1000);
  }

  #train(features: Float64Array, label: 0 | 1): void {
    const error = sigmoid(dot(this.weights, features)) - label;
    for (let i = 0; i < features.length; i++) {
      const gradient = error * features[i]!;
      this.#gradSquares[i]! += gradient * gradient;
      this.weights[i]! -= (this.#rate * gradient) / Math.sqrt(this.#gradSquares[i]!);
    }
    this.#samples++;
    if (label === 1) this.#failures++;
  }

  #history(address: string, nowMs: number): History {
    let history = this.#histories.get(address);
    if (!history) {
      history = {
        telemetry: undefined,
        features: undefined,
        sampledAt: nowMs,
        sessionStart: nowMs,
        disconnects: 0,
        failedJobs: 0,
        decayedAt: nowMs,
        hazard: this.#hazardOf(undefined),
        usualHazard: this.#hazardOf(undefined),
        usualAt: nowMs,
        risingSince: null,
      };
      this.#histories.set(address, history);
    }
    const decay = 0.5 ** ((nowMs - history.decayedAt) / this.#halfLife);
    history.disconnects *= decay;
    history.failedJobs *= decay;
    history.decayedAt = nowMs;
    return history;
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
