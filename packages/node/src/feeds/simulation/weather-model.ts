/**
 * A physical model of a day's weather at a place, for simulated stations: temperature falls with
 * latitude and follows the sun (warmest at 15:00 solar time, so it shifts with longitude);
 * relative humidity moves against the daily temperature swing.
 */
export interface Place {
  latitude: number;
  longitude: number;
}

const DAILY_SWING_C = 5;

function solarHour(place: Place, t: number): number {
  return (((t / 3_600_000 + place.longitude / 15) % 24) + 24) % 24;
}

/** The daily cycle at a place and time, −1 (coolest, 03:00 solar) to 1 (warmest, 15:00). */
function dailyCycle(place: Place, t: number): number {
  return Math.sin((2 * Math.PI * (solarHour(place, t) - 9)) / 24);
}

export function trueTemperature(place: Place, t: number): number {
  return 15 - 0.65 * (place.latitude - 45) + DAILY_SWING_C * dailyCycle(place, t);
}

export function trueHumidity(place: Place, t: number): number {
  return Math.min(100, Math.max(5, 72 - 15 * dailyCycle(place, t) + 0.4 * (place.latitude - 45)));
}
