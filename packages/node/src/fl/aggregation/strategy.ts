import { type FlSettings, type FlStrategy, ROBUST_FL_STRATEGIES } from '@idlegrid/protocol';
import { add, l2Norm, subtract, type Update } from '../vector-math.js';
import { ServerAdam, weightedMean } from './fed-avg.js';
import { coordinateMedian, multiKrum, trimmedMean } from './robust.js';

export interface StrategySettings {
  name: FlStrategy;
  /** FedProx: the proximal term's weight, applied by the clients (default 0.01). */
  proximalMu?: number;
  /** FedAdam's server learning rate (default 0.01). */
  serverLearningRate?: number;
  /** Trimmed mean: the fraction cut at each end (default 0.2). */
  trim?: number;
  /** Krum: the Byzantine clients tolerated (default: a fifth of the round, at least 1). */
  byzantine?: number;
}

/** The strategy part of a run's settings. */
export function strategyOf(settings: FlSettings): StrategySettings {
  return {
    name: settings.strategy,
    proximalMu: settings.proximalMu,
    serverLearningRate: settings.serverLearningRate,
  };
}

export interface ClientUpdate {
  client: string;
  update: Update;
  examples: number;
}

export interface RoundAggregate {
  /** The new global weights. */
  global: Update;
  /** Clients whose update lies far from the aggregate (robust rules only; see outliersOf). */
  outliers: string[];
}

/** Server state a strategy keeps between rounds (FedAdam's moments), persisted with the run. */
export interface StrategyState {
  adam?: { m: number[]; v: number[] };
}

/**
 * One round's aggregation over updates seen in the clear. `sum` mode (secure aggregation) gets
 * only the sum and the example total: see aggregateSum.
 */
export function aggregateRound(
  settings: StrategySettings,
  state: StrategyState,
  global: Update,
  updates: readonly ClientUpdate[],
): RoundAggregate {
  const vectors = updates.map((u) => u.update);
  let average: Update;
  let outliers: string[] = [];
  switch (settings.name) {
    case 'median':
      average = coordinateMedian(vectors);
      outliers = outliersOf(updates, average);
      break;
    case 'trimmed-mean':
      average = trimmedMean(vectors, settings.trim ?? 0.2);
      outliers = outliersOf(updates, average);
      break;
    case 'krum': {
      const byzantine = settings.byzantine ?? Math.max(1, Math.floor(updates.length / 5));
      const krum = multiKrum(vectors, Math.min(byzantine, Math.max(0, updates.length - 3)));
      average = krum.aggregate;
      const chosen = new Set(krum.chosen);
      outliers = updates.filter((_, index) => !chosen.has(index)).map((u) => u.client);
      break;
    }
    default:
      average = weightedMean(updates);
  }
  return { global: applyAverage(settings, state, global, average), outliers };
}

/**
 * Secure aggregation's round: the coordinator learns only the sum of the clipped updates and how
 * many there are, so each counts the same (weighting by example count would need each count,
 * which a client could also inflate at will).
 */
export function aggregateSum(
  settings: StrategySettings,
  state: StrategyState,
  global: Update,
  sum: Update,
  contributors: number,
): Update {
  if (ROBUST_FL_STRATEGIES.includes(settings.name))
    throw new RangeError(`${settings.name} needs each update: it cannot run with secure aggregation`);
  const average = Float32Array.from(sum, (value) => value / contributors);
  return applyAverage(settings, state, global, average);
}

function applyAverage(
  settings: StrategySettings,
  state: StrategyState,
  global: Update,
  average: Update,
): Update {
  if (settings.name !== 'fedadam') return add(global, average);
  const adam = new ServerAdam(
    { learningRate: settings.serverLearningRate ?? 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 },
    state.adam ? Float32Array.from(state.adam.m) : undefined,
    state.adam ? Float32Array.from(state.adam.v) : undefined,
  );
  const step = adam.step(average);
  state.adam = { m: [...adam.m!], v: [...adam.v!] };
  return add(global, step);
}

/**
 * The clients whose update is more than OUTLIER_FACTOR times the median distance from the
 * aggregate: the signal that costs reputation when it repeats (never a slash on its own).
 */
export const OUTLIER_FACTOR = 3;

export function outliersOf(updates: readonly ClientUpdate[], aggregate: Update): string[] {
  const distances = updates.map((u) => l2Norm(subtract(u.update, aggregate)));
  const sorted = [...distances].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1] ?? 0;
  return updates.filter((_, index) => distances[index]! > OUTLIER_FACTOR * median).map((u) => u.client);
}
