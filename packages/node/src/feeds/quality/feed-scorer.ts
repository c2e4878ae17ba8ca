import type { Reading } from '@idlegrid/protocol';
import { CellReadings } from './cell-readings.js';
import { Cells } from './cells.js';
import {
  type DeviceHistory,
  DRIFT_WARM_UP,
  ewma,
  LOCATION_WARM_UP,
  newDeviceHistory,
  RATES,
} from './device-history.js';
import { DEVICE_KINDS, type DeviceKindProfile, type QuantityProfile, UNKNOWN_KIND } from './device-kinds.js';
import { medianInPlace, scratchValues } from './median.js';
import { type CheckResult, passed, REWARD_THRESHOLD, scoreOf } from './quality-checks.js';

/** A reading to score: what the device signed, its kind, and when the coordinator took it. */
export interface ReadingToScore extends Reading {
  kind: string;
  receivedAt: number;
}

export interface ScoredReading {
  device: string;
  seq: number;
  t: number;
  cell: string;
  score: number;
  rewardable: boolean;
  checks: CheckResult[];
}

/** Neighbours are read within this much time of a reading. */
const NEIGHBOUR_WINDOW_MS = 15 * 60_000;
/** Readings are kept for neighbours this long after the newest one scored. */
const RETAIN_MS = 2 * NEIGHBOUR_WINDOW_MS;
/** The neighbour check runs only with at least this many other devices around. */
const MIN_NEIGHBOURS = 2;
/** A residual this many robust scales from the neighbours' median fails; half as far is doubtful. */
const FAIL_SCALES = 3;
/** A rate check's base older than this is no base: after a long gap anything may have changed. */
const RATE_BASE_MAX_AGE_MS = 2 * 3_600_000;
/** A departure from the device's normal offset beyond this share of the tolerance is a drift. */
const DRIFT_LIMIT = 0.5;
/** A move shorter than this many cell sizes is within the cells' rounding. */
const CELL_SLACK = 1.5;

/**
 * Scores a feed's readings by documented checks (docs/feeds.md), each with its reason: physical
 * plausibility and rate of change for the device's kind, stuck values, copies of a neighbour's
 * values, agreement with the neighbours (robust: their median and MAD), drift from the device's
 * own normal (an online model of its residual from its neighbours: fast against slow moving
 * averages), and its location claim (impossible jumps, or disagreeing with its neighbours all day).
 *
 * Readings are scored in batches, in time order. Each batch is first indexed, so that a reading's
 * neighbours include those that arrived with it or a little after; the scorer keeps the last half
 * hour of readings for the next batch, and each device's history across batches.
 */
export class FeedScorer {
  readonly #cells = new Cells();
  readonly #byCell = new Map<string, CellReadings<ReadingToScore>>();
  readonly #histories = new Map<string, DeviceHistory>();
  /** During one batch: each cell's neighbourhood as the lists of readings that exist (most cells around are empty). */
  readonly #around = new Map<string, CellReadings<ReadingToScore>[]>();
  /** Reused by each reading's neighbour search: the closest reading of each other device. */
  readonly #closest = new Map<string, ReadingToScore>();
  #newest = 0;

  /** From saved device histories and the readings of the last half hour (after a restart). */
  constructor(histories: Iterable<[string, DeviceHistory]> = [], recent: Iterable<ReadingToScore> = []) {
    for (const [device, history] of histories) this.#histories.set(device.toLowerCase(), history);
    for (const reading of recent) {
      this.#index(reading);
      this.#newest = Math.max(this.#newest, reading.t);
    }
  }

  history(device: string): DeviceHistory | undefined {
    return this.#histories.get(device.toLowerCase());
  }

  /** Scores a batch (any order; scored by time, then arrival), and updates each device's history. */
  score(batch: readonly ReadingToScore[]): ScoredReading[] {
    const ordered = [...batch].sort((a, b) => a.t - b.t || a.receivedAt - b.receivedAt);
    for (const reading of ordered) this.#index(reading);
    // The cells' lists change only between batches: their neighbourhoods are looked up once a batch.
    this.#around.clear();
    const scored = ordered.map((reading) => this.#scoreOne(reading));
    this.#forgetBefore(this.#newest - RETAIN_MS);
    return scored;
  }

  #scoreOne(reading: ReadingToScore): ScoredReading {
    const key = reading.device.toLowerCase();
    const history = this.#histories.get(key) ?? newDeviceHistory();
    this.#histories.set(key, history);
    const profile = DEVICE_KINDS[reading.kind] ?? UNKNOWN_KIND;
    const neighbours = this.#neighboursOf(reading);

    const checks: CheckResult[] = [plausibility(reading, profile)];
    const plausible = checks[0]!.ok !== false;
    const rate = plausible ? rateOfChange(reading, profile, history) : undefined;
    if (rate) checks.push(rate);
    // Only a sound reading teaches the models of the device's normal.
    const sound = plausible && rate?.ok !== false;
    checks.push(stuck(reading, profile, history));
    checks.push(copy(reading, neighbours.all, history));
    const agreement = sound ? agreementWith(reading, profile, neighbours.closest) : undefined;
    if (agreement) {
      checks.push(agreement.result);
      if (agreement.result.ok !== null) history.comparedReadings++;
      if (agreement.result.ok !== null)
        history.disagreement = ewma(
          history.disagreement,
          agreement.result.ok === false ? 1 : 0,
          Math.max(RATES.disagreement, 1 / history.comparedReadings),
        );
      checks.push(drift(agreement.residuals, history));
    }
    checks.push(location(reading, profile, history, this.#cells));

    if (sound) history.lastSound = { t: reading.t, v: reading.v };
    history.last = { t: reading.t, cell: reading.cell, v: reading.v };
    this.#newest = Math.max(this.#newest, reading.t);
    const score = scoreOf(checks);
    history.reputation =
      history.reputation === undefined ? score : ewma(history.reputation, score, RATES.reputation);
    return {
      device: reading.device,
      seq: reading.seq,
      t: reading.t,
      cell: reading.cell,
      score,
      rewardable: score >= REWARD_THRESHOLD,
      checks,
    };
  }

  /** Other devices' readings around the reading's cell within the window: all, and the one closest in time from each. */
  #neighboursOf(reading: ReadingToScore): { all: ReadingToScore[]; closest: ReadingToScore[] } {
    const all: ReadingToScore[] = [];
    const closest = this.#closest;
    closest.clear();
    // Devices are checksummed addresses (getAddress) everywhere readings come from: compared as they are.
    const self = reading.device;
    const last = reading.t + NEIGHBOUR_WINDOW_MS;
    for (const cell of this.#cellsAround(reading.cell)) {
      // The cell is in time order: only the window around the reading is read.
      const { readings, times } = cell;
      for (let i = cell.firstAtOrAfter(reading.t - NEIGHBOUR_WINDOW_MS); i < times.length; i++) {
        const t = times[i]!;
        if (t > last) break;
        const other = readings[i]!;
        if (other.device === self) continue;
        all.push(other);
        const best = closest.get(other.device);
        if (!best || Math.abs(t - reading.t) < Math.abs(best.t - reading.t)) closest.set(other.device, other);
      }
    }
    return { all, closest: Array.from(closest.values()) };
  }

  #cellsAround(cell: string): CellReadings<ReadingToScore>[] {
    let cells = this.#around.get(cell);
    if (!cells) {
      cells = [];
      for (const around of this.#cells.neighbourhood(cell)) {
        const readings = this.#byCell.get(around);
        if (readings) cells.push(readings);
      }
      this.#around.set(cell, cells);
    }
    return cells;
  }

  /** Adds a reading to its cell, kept in time order (a late reading is put in its place). */
  #index(reading: ReadingToScore): void {
    let cell = this.#byCell.get(reading.cell);
    if (!cell) {
      cell = new CellReadings();
      this.#byCell.set(reading.cell, cell);
    }
    cell.insert(reading);
  }

  #forgetBefore(t: number): void {
    for (const [key, cell] of this.#byCell) {
      cell.dropBefore(t);
      if (cell.length === 0) this.#byCell.delete(key);
    }
  }
}

function fmt(value: number, unit = ''): string {
  return `${Number(value.toPrecision(4))}${unit ? ` ${unit}` : ''}`;
}

function plausibility(reading: Reading, profile: DeviceKindProfile): CheckResult {
  for (const name in reading.v) {
    const value = reading.v[name]!;
    const limits = profile.quantities[name];
    if (!Number.isFinite(value))
      return { check: 'plausible', ok: false, why: `${name} is not a finite number` };
    if (limits && (value < limits.min || value > limits.max))
      return {
        check: 'plausible',
        ok: false,
        why: `${name} ${fmt(value, limits.unit)} is outside ${fmt(limits.min)} to ${fmt(limits.max, limits.unit)}`,
      };
  }
  return passed('plausible');
}

function rateOfChange(
  reading: Reading,
  profile: DeviceKindProfile,
  history: DeviceHistory,
): CheckResult | undefined {
  const base = history.lastSound;
  if (!base || reading.t <= base.t || reading.t - base.t > RATE_BASE_MAX_AGE_MS) return undefined;
  const hours = (reading.t - base.t) / 3_600_000;
  for (const name in reading.v) {
    const value = reading.v[name]!;
    const limits = profile.quantities[name];
    const before = base.v[name];
    if (!limits || before === undefined) continue;
    const perHour = Math.abs(value - before) / hours;
    if (perHour > limits.maxChangePerHour)
      return {
        check: 'rate',
        ok: false,
        why: `${name} changed by ${fmt(value - before, limits.unit)} in ${fmt(hours * 60)} min (${fmt(perHour, limits.unit)}/h; at most ${fmt(limits.maxChangePerHour, limits.unit)}/h)`,
      };
  }
  return passed('rate');
}

/** The same values by the same names (at least one). Without key arrays: the copy check compares each reading with a hundred or so. */
function sameValues(a: Record<string, number>, b: Record<string, number>): boolean {
  let names = 0;
  for (const name in a) {
    if (a[name] !== b[name]) return false;
    names++;
  }
  for (const _ in b) names--;
  return names === 0 && Object.keys(a).length > 0;
}

function stuck(reading: Reading, profile: DeviceKindProfile, history: DeviceHistory): CheckResult {
  history.sameValues = history.last && sameValues(history.last.v, reading.v) ? history.sameValues + 1 : 0;
  const run = history.sameValues + 1;
  return run >= profile.stuckAfter
    ? { check: 'stuck', ok: false, why: `the same values for ${run} readings in a row` }
    : passed('stuck');
}

/**
 * A device that sends exactly the values of a nearby device that reached the coordinator first
 * (or, in the same request, was measured first) copies them: once may be chance (doubtful), twice in a row from the same device is not.
 */
function copy(
  reading: ReadingToScore,
  neighbours: readonly ReadingToScore[],
  history: DeviceHistory,
): CheckResult {
  // Values rounded to a tenth sometimes match another neighbour's by chance: the device it copied
  // last, when among them, is the source, so that a chance match does not break a copier's run.
  let source: ReadingToScore | undefined;
  for (const other of neighbours) {
    if (!arrivedBefore(other, reading) || !sameValues(other.v, reading.v)) continue;
    source ??= other;
    if (other.device.toLowerCase() === history.copied?.device) {
      source = other;
      break;
    }
  }
  if (!source) {
    delete history.copied;
    return passed('copy');
  }
  const device = source.device.toLowerCase();
  const run = history.copied?.device === device ? history.copied.run + 1 : 1;
  history.copied = { device, run };
  const why = `the same values as ${source.device}'s reading of ${new Date(source.t).toISOString()}, sent earlier`;
  return run >= 2
    ? { check: 'copy', ok: false, why: `${why}, ${run} readings in a row` }
    : { check: 'copy', ok: 'warn', why };
}

/** Arrived first; of readings that arrived together (one request), measured first. */
function arrivedBefore(a: ReadingToScore, b: ReadingToScore): boolean {
  return a.receivedAt < b.receivedAt || (a.receivedAt === b.receivedAt && a.t < b.t);
}

/** Agreement with the neighbours' median, per quantity the kind gives a tolerance for. */
function agreementWith(
  reading: Reading,
  profile: DeviceKindProfile,
  neighbours: readonly Reading[],
): { result: CheckResult; residuals: Map<string, { residual: number; limits: QuantityProfile }> } {
  const residuals = new Map<string, { residual: number; limits: QuantityProfile }>();
  let worst:
    | {
        name: string;
        scales: number;
        residual: number;
        reference: number;
        limits: QuantityProfile;
        count: number;
      }
    | undefined;
  for (const name in reading.v) {
    const value = reading.v[name]!;
    const limits = profile.quantities[name];
    if (!limits || !Number.isFinite(limits.neighbourTolerance)) continue;
    const values = scratchValues(neighbours.length);
    let count = 0;
    for (const neighbour of neighbours) {
      const v = neighbour.v[name];
      if (v !== undefined && Number.isFinite(v)) values[count++] = v;
    }
    if (count < MIN_NEIGHBOURS) continue;
    const reference = medianInPlace(values, count);
    // A robust spread (MAD) widens the band where the neighbours disagree among themselves.
    for (let i = 0; i < count; i++) values[i] = Math.abs(values[i]! - reference);
    const spread = 1.4826 * medianInPlace(values, count);
    const residual = value - reference;
    const scales = Math.abs(residual) / Math.max(limits.neighbourTolerance, spread);
    residuals.set(name, { residual, limits });
    if (!worst || scales > worst.scales) worst = { name, scales, residual, reference, limits, count };
  }
  if (!worst)
    return {
      result: {
        check: 'neighbours',
        ok: null,
        why: `fewer than ${MIN_NEIGHBOURS} neighbours read the same within 15 min`,
      },
      residuals,
    };
  const { name, scales, residual, reference, limits, count } = worst;
  const ok = scales > FAIL_SCALES ? false : scales > FAIL_SCALES / 2 ? 'warn' : true;
  const why =
    ok === true
      ? `agrees with ${count} neighbours`
      : `${name} ${fmt(residual, limits.unit)} from the median ${fmt(reference, limits.unit)} of ${count} neighbours`;
  return { result: { check: 'neighbours', ok, why }, residuals };
}

/**
 * Drift against the device's own history: the online model follows its residual from its
 * neighbours with a fast and a slow moving average. A sound device may sit a little off its
 * neighbours for good (shade, altitude); a drifting one moves away from its own normal.
 */
function drift(
  residuals: Map<string, { residual: number; limits: QuantityProfile }>,
  history: DeviceHistory,
): CheckResult {
  let worst: { name: string; departure: number; limits: QuantityProfile; n: number } | undefined;
  for (const [name, { residual, limits }] of residuals) {
    const model = history.residuals[name] ?? { fast: residual, slow: residual, n: 0 };
    history.residuals[name] = model;
    model.n++;
    model.fast = ewma(model.fast, residual, Math.max(RATES.fastResidual, 1 / model.n));
    // The normal learns only while the device keeps to it: a drift must not become the new normal.
    if (
      model.n <= DRIFT_WARM_UP ||
      Math.abs(model.fast - model.slow) <= DRIFT_LIMIT * limits.neighbourTolerance
    )
      // Warming up it is the plain mean; after, a slow average the device's true changes move.
      model.slow = ewma(model.slow, residual, model.n <= DRIFT_WARM_UP ? 1 / model.n : RATES.slowResidual);
    const departure = model.fast - model.slow;
    if (
      !worst ||
      Math.abs(departure) / limits.neighbourTolerance >
        Math.abs(worst.departure) / worst.limits.neighbourTolerance
    )
      worst = { name, departure, limits, n: model.n };
  }
  if (!worst) return { check: 'drift', ok: null, why: 'no neighbours to measure a drift against' };
  if (worst.n < DRIFT_WARM_UP)
    return {
      check: 'drift',
      ok: null,
      why: `learning the device's normal (${worst.n} of ${DRIFT_WARM_UP} readings)`,
    };
  const { name, departure, limits } = worst;
  return Math.abs(departure) > DRIFT_LIMIT * limits.neighbourTolerance
    ? {
        check: 'drift',
        ok: false,
        why: `${name} drifted ${fmt(departure, limits.unit)} from the device's own normal offset to its neighbours`,
      }
    : { check: 'drift', ok: true, why: "steady against the device's own normal" };
}

function location(
  reading: Reading,
  profile: DeviceKindProfile,
  history: DeviceHistory,
  cells: Cells,
): CheckResult {
  const last = history.last;
  if (last && last.cell !== reading.cell && reading.t >= last.t) {
    const km = cells.distanceKm(last.cell, reading.cell) - CELL_SLACK * cells.sizeKm(reading.cell);
    const hours = Math.max(reading.t - last.t, 60_000) / 3_600_000;
    if (km > profile.maxSpeedKmh * hours)
      return {
        check: 'location',
        ok: false,
        why: `moved from ${last.cell} to ${reading.cell} (${fmt(km)} km) in ${fmt(hours * 60)} min: faster than ${fmt(profile.maxSpeedKmh)} km/h`,
      };
  }
  if (last && last.cell !== reading.cell) history.placeConfirmed = false;
  if (history.comparedReadings >= LOCATION_WARM_UP && history.disagreement <= 0.25)
    history.placeConfirmed = true;
  // A device that once agreed with its neighbours is where it says: a later disagreement is a fault.
  if (!history.placeConfirmed && history.comparedReadings >= LOCATION_WARM_UP && history.disagreement > 0.5)
    return {
      check: 'location',
      ok: false,
      why: `disagrees with its neighbours in ${Math.round(100 * history.disagreement)}% of its recent readings: is it really in ${reading.cell}?`,
    };
  return passed('location');
}
