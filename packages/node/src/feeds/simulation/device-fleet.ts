import type { Reading } from '@idlegrid/protocol';
import { type Address, getAddress, type Hex, keccak256, toHex } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { normal, seededRandom } from '../../fl/seeded-random.js';
import { cellOf } from '../quality/cells.js';
import { type Place, trueHumidity, trueTemperature } from './weather-model.js';

/** The faults a simulated device may have (docs/feeds.md): each has a check meant to catch it. */
export const DEVICE_FAULTS = ['stuck', 'spike', 'drift', 'fake-location', 'copier'] as const;
export type DeviceFault = (typeof DEVICE_FAULTS)[number];

export interface SimulatedDevice {
  key: Hex;
  address: Address;
  kind: 'weather-station';
  /** Where it really is. */
  place: Place;
  /** The cell it claims (its own, unless it spoofs its location). */
  cell: string;
  fault?: DeviceFault;
  /** The index of its town's first station (a sound one): the one a copier copies. */
  townFirst: number;
  /** Its microclimate: a lasting offset from the regional weather, per quantity. */
  offset: { temperature: number; humidity: number };
}

export interface FleetOptions {
  devices: number;
  /** Share of devices with a fault, spread evenly over DEVICE_FAULTS (default 0). */
  faultShare?: number;
  /** Devices per neighbourhood (default 8): stations cluster in towns. */
  perCluster?: number;
  /** Geohash characters of a cell (default 5: about 5 km). */
  precision?: number;
  seed?: number;
}

const TOWN_RADIUS_DEG = 0.015;

/**
 * A fleet of simulated weather stations in towns over Europe, some faulty by design. Keys derive
 * from the seed, so a seed gives the same fleet in every process.
 */
export function simulatedFleet(options: FleetOptions): SimulatedDevice[] {
  const { devices, faultShare = 0, perCluster = 8, precision = 5, seed = 1 } = options;
  const random = seededRandom(seed);
  const faulty = Math.round(devices * faultShare);
  // Faults go to every step-th device, never the first of a town, which stays sound.
  const step = faulty > 0 ? Math.max(2, Math.floor(devices / faulty)) : Infinity;
  let faults = 0;
  const towns: Place[] = [];
  const fleet: SimulatedDevice[] = [];
  for (let i = 0; i < devices; i++) {
    if (i % perCluster === 0) towns.push({ latitude: 40 + 15 * random(), longitude: -5 + 25 * random() });
    const town = towns.at(-1)!;
    const place = {
      latitude: town.latitude + TOWN_RADIUS_DEG * (2 * random() - 1),
      longitude: town.longitude + TOWN_RADIUS_DEG * (2 * random() - 1),
    };
    const fault =
      faults < faulty && i % step === 1 % step && i % perCluster !== 0
        ? DEVICE_FAULTS[faults++ % DEVICE_FAULTS.length]
        : undefined;
    const key = keccak256(toHex(`idlegrid simulated device ${seed}/${i}`));
    fleet.push({
      key,
      address: getAddress(privateKeyToAddress(key)),
      kind: 'weather-station',
      // A spoofer claims the town's cell while it sits far to the south-east.
      place:
        fault === 'fake-location'
          ? { latitude: place.latitude - 12, longitude: place.longitude + 25 }
          : place,
      cell: cellOf(place.latitude, place.longitude, precision),
      ...(fault ? { fault } : {}),
      townFirst: i - (i % perCluster),
      offset: { temperature: 0.5 * normal(random), humidity: 2 * normal(random) },
    });
  }
  return fleet;
}

export interface FleetRun {
  from: number;
  hours: number;
  /** Faults begin this many hours in (default 6): every device first shows its normal. */
  faultsAfterHours?: number;
  /** Between two readings of a device (default 10 minutes). */
  intervalMs?: number;
  feed?: string;
  seed?: number;
}

/** A simulated reading, and the fault that spoiled it, if one did: the truth a scorer is judged by. */
export interface SimulatedReading {
  reading: Reading;
  fault?: DeviceFault;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
/** A drift within a sound sensor's error spoils nothing yet. */
const HARMLESS_DRIFT_C = 1;

/**
 * The fleet's readings over a time, in time order (each device at its own phase). A spoofer is
 * elsewhere from the start; the other faults begin after `faultsAfterHours`: stuck values freeze,
 * spikes jump 45 °C one reading in five, drift adds 0.5 °C an hour, a copier sends its town's
 * first station's latest values.
 */
export function* fleetReadings(
  fleet: readonly SimulatedDevice[],
  run: FleetRun,
): Generator<SimulatedReading> {
  const { from, hours, intervalMs = 600_000, feed = 'weather', seed = 2, faultsAfterHours = 6 } = run;
  const random = seededRandom(seed);
  const phases = fleet.map(() => Math.floor(random() * intervalMs));
  const seqs = fleet.map(() => 0);
  const last = new Map<number, Record<string, number>>();
  const end = from + hours * 3_600_000;
  for (let slot = from; slot < end; slot += intervalMs) {
    const due = fleet.map((_, i) => i).sort((a, b) => phases[a]! - phases[b]!);
    for (const i of due) {
      const device = fleet[i]!;
      const t = slot + phases[i]!;
      const sinceFault = (t - from) / 3_600_000 - faultsAfterHours;
      let spoiled = device.fault === 'fake-location';
      let v: Record<string, number> = {
        temperature: round1(
          trueTemperature(device.place, t) + device.offset.temperature + 0.15 * normal(random),
        ),
        humidity: round1(
          Math.min(
            100,
            Math.max(0, trueHumidity(device.place, t) + device.offset.humidity + 0.7 * normal(random)),
          ),
        ),
      };
      if (sinceFault > 0) {
        if (device.fault === 'stuck' || device.fault === 'copier') {
          v = last.get(device.fault === 'stuck' ? i : device.townFirst) ?? v;
          spoiled = true;
        }
        if (device.fault === 'spike' && random() < 0.2) {
          v = { ...v, temperature: round1(v.temperature! + 45) };
          spoiled = true;
        }
        if (device.fault === 'drift') {
          v = { ...v, temperature: round1(v.temperature! + 0.5 * sinceFault) };
          spoiled = 0.5 * sinceFault > HARMLESS_DRIFT_C;
        }
      }
      if (device.fault !== 'stuck' || sinceFault <= 0) last.set(i, v);
      const reading = { device: device.address, feed, t, cell: device.cell, v, seq: seqs[i]!++ };
      yield spoiled ? { reading, fault: device.fault! } : { reading };
    }
  }
}
