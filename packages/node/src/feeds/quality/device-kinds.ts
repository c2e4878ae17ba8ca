/** What a quantity of a device kind may physically do; the bounds of the plausibility and rate checks. */
export interface QuantityProfile {
  /** The unit, for reasons people read. */
  unit: string;
  min: number;
  max: number;
  /** The fastest real change, per hour: a faster one is a glitch or a swapped sensor. */
  maxChangePerHour: number;
  /** How far a sound sensor may read from its neighbours' median (microclimate plus sensor error). */
  neighbourTolerance: number;
}

export interface DeviceKindProfile {
  quantities: Record<string, QuantityProfile>;
  /** The fastest a device of this kind moves, km/h: a station is fixed, a tracker drives. */
  maxSpeedKmh: number;
  /** A sensor whose every value repeats this many readings in a row is stuck. */
  stuckAfter: number;
}

/**
 * The kinds the scorer knows (docs/feeds.md). A device of another kind is checked only by what
 * needs no profile: finite values, neighbours reading the same quantity, stuck values, copies.
 */
export const DEVICE_KINDS: Record<string, DeviceKindProfile> = {
  'weather-station': {
    maxSpeedKmh: 5,
    stuckAfter: 6,
    quantities: {
      temperature: { unit: '°C', min: -60, max: 60, maxChangePerHour: 10, neighbourTolerance: 1.5 },
      humidity: { unit: '%', min: 0, max: 100, maxChangePerHour: 40, neighbourTolerance: 8 },
      pressure: { unit: 'hPa', min: 870, max: 1085, maxChangePerHour: 6, neighbourTolerance: 3 },
      wind: { unit: 'm/s', min: 0, max: 110, maxChangePerHour: 60, neighbourTolerance: 5 },
    },
  },
  'air-quality': {
    maxSpeedKmh: 5,
    stuckAfter: 6,
    quantities: {
      pm25: { unit: 'µg/m³', min: 0, max: 1_000, maxChangePerHour: 300, neighbourTolerance: 15 },
      pm10: { unit: 'µg/m³', min: 0, max: 2_000, maxChangePerHour: 500, neighbourTolerance: 25 },
      no2: { unit: 'ppb', min: 0, max: 2_000, maxChangePerHour: 400, neighbourTolerance: 20 },
    },
  },
  'gps-tracker': {
    maxSpeedKmh: 300,
    stuckAfter: 30,
    quantities: {
      speed: { unit: 'km/h', min: 0, max: 300, maxChangePerHour: 10_000, neighbourTolerance: Infinity },
    },
  },
};

/** A kind the scorer has no profile for: only the checks that need none. */
export const UNKNOWN_KIND: DeviceKindProfile = { maxSpeedKmh: 1_000, stuckAfter: 12, quantities: {} };
