import { randomBytes } from 'node:crypto';
import { IdlegridError } from '@idlegrid/protocol';
import type { ReadingScoreStore } from '../store/reading-score-store.js';
import { DEVICE_KINDS } from './quality/device-kinds.js';

export interface AggregateQuery {
  feed: string;
  quantity: string;
  /** Unix ms. */
  from: number;
  until: number;
  /** Cells with fewer devices than this are withheld (k-anonymity; at least 2). */
  minDevices: number;
  /** With it, each cell's mean gets Laplace noise for ε-DP per device. */
  epsilon?: number;
}

export interface CellAggregate {
  cell: string;
  devices: number;
  readings: number;
  mean: number;
}

/**
 * What buyers get of a feed without any device's own readings: per cell, the mean of a quantity
 * over its rewardable readings in a window, each device counting once (the mean of its own
 * readings, clamped to the quantity's physical range). A cell with fewer than `minDevices`
 * devices is withheld (k-anonymity). With `epsilon`, each mean gets Laplace noise of scale
 * range / (devices · ε): one device moves a cell's mean by at most range / devices, so the
 * noised means are ε-differentially private for every device (each cell is a disjoint group).
 */
export async function cellAggregates(
  scores: ReadingScoreStore,
  query: AggregateQuery,
): Promise<{ cells: CellAggregate[]; withheld: number }> {
  const range = rangeOf(query.quantity);
  if (query.minDevices < 2) throw new IdlegridError('INVALID_ARGUMENT', 'minDevices must be at least 2');
  if (query.epsilon !== undefined && !range)
    throw new IdlegridError('INVALID_ARGUMENT', `no known range for ${query.quantity}: it cannot be noised`);
  const byCell = new Map<string, Map<string, { sum: number; n: number }>>();
  for (const { device, cell, value } of await scores.rewardedValues(
    query.feed,
    query.quantity,
    query.from,
    query.until,
  )) {
    const devices = byCell.get(cell) ?? new Map<string, { sum: number; n: number }>();
    byCell.set(cell, devices);
    const entry = devices.get(device) ?? { sum: 0, n: 0 };
    entry.sum += range ? Math.min(range.max, Math.max(range.min, value)) : value;
    entry.n++;
    devices.set(device, entry);
  }
  const cells: CellAggregate[] = [];
  let withheld = 0;
  for (const [cell, devices] of byCell) {
    if (devices.size < query.minDevices) {
      withheld++;
      continue;
    }
    const means = [...devices.values()].map(({ sum, n }) => sum / n);
    let mean = means.reduce((a, b) => a + b, 0) / means.length;
    if (query.epsilon !== undefined && range)
      mean += laplace((range.max - range.min) / (devices.size * query.epsilon));
    cells.push({
      cell,
      devices: devices.size,
      readings: [...devices.values()].reduce((sum, d) => sum + d.n, 0),
      mean,
    });
  }
  return { cells: cells.sort((a, b) => a.cell.localeCompare(b.cell)), withheld };
}

function rangeOf(quantity: string): { min: number; max: number } | undefined {
  for (const kind of Object.values(DEVICE_KINDS)) {
    const profile = kind.quantities[quantity];
    if (profile) return { min: profile.min, max: profile.max };
  }
  return undefined;
}

/** A Laplace(0, scale) draw from the CSPRNG (inverse CDF). */
export function laplace(scale: number): number {
  const u = randomBytes(6).readUIntBE(0, 6) / 2 ** 48 - 0.5;
  return -scale * Math.sign(u) * Math.log(Math.max(Number.MIN_VALUE, 1 - 2 * Math.abs(u)));
}
