/** Fast and slow exponentially weighted means of a device's residual from its neighbours, per quantity. */
export interface ResidualModel {
  fast: number;
  slow: number;
  n: number;
}

/**
 * What the scorer remembers of a device between readings: an online model of its own history
 * (kept in the store as JSON, so that a restarted coordinator scores on where it stopped).
 */
export interface DeviceHistory {
  /** Its last reading, and the last one whose change was plausible (the rate check's base). */
  last?: { t: number; cell: string; v: Record<string, number> };
  lastSound?: { t: number; v: Record<string, number> };
  /** How many readings in a row carried exactly the same values. */
  sameValues: number;
  /** The device whose values it matched exactly, and how many readings in a row. */
  copied?: { device: string; run: number };
  /** Residual models, per quantity (drift against its own normal). */
  residuals: Record<string, ResidualModel>;
  /** Exponentially weighted share of its readings that disagreed with the neighbours. */
  disagreement: number;
  /** Once it agreed with its neighbours long enough in its cell: its place is then taken as true. */
  placeConfirmed?: boolean;
  /** Readings the neighbour check could run on. */
  comparedReadings: number;
  /** The exponentially weighted history of its scores: its reputation (absent before its first). */
  reputation?: number;
}

export const newDeviceHistory = (): DeviceHistory => ({
  sameValues: 0,
  residuals: {},
  disagreement: 0,
  comparedReadings: 0,
});

/**
 * Weights of the online models. At one reading every 10 minutes: the fast residual mean looks
 * back about 40 minutes, the slow one about 1.5 days (the device's normal); the disagreement share
 * about 6 hours; the reputation about a day.
 */
export const RATES = { fastResidual: 0.25, slowResidual: 0.005, disagreement: 1 / 36, reputation: 1 / 144 };

/** Readings before a device's normal is known well enough to call a departure from it a drift. */
export const DRIFT_WARM_UP = 36;
/** Readings compared with neighbours before a persistent disagreement says its location is wrong. */
export const LOCATION_WARM_UP = 36;

export function ewma(previous: number, value: number, rate: number): number {
  return previous + rate * (value - previous);
}
