import { checkSameLength, squaredDistance, type Update } from '../vector-math.js';

/**
 * Robust aggregation rules, for when secure aggregation is off and the coordinator sees each
 * update: they bound what a minority of poisoned updates can do to the average.
 */

/** Coordinate-wise median (Yin et al. 2018): each weight's median over the clients. */
export function coordinateMedian(updates: readonly Update[]): Update {
  const length = checkUpdates(updates);
  const out = new Float32Array(length);
  const column = new Float64Array(updates.length);
  const middle = updates.length >> 1;
  for (let i = 0; i < length; i++) {
    for (let k = 0; k < updates.length; k++) column[k] = updates[k]![i]!;
    column.sort();
    out[i] = updates.length % 2 === 1 ? column[middle]! : (column[middle - 1]! + column[middle]!) / 2;
  }
  return out;
}

/**
 * Coordinate-wise trimmed mean: each weight's mean after dropping the `trim` fraction of the
 * largest and of the smallest values (at least one of each when trim > 0 and the clients allow).
 */
export function trimmedMean(updates: readonly Update[], trim: number): Update {
  const length = checkUpdates(updates);
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), not ${trim}`);
  const cut = Math.min(Math.floor(updates.length * trim), Math.floor((updates.length - 1) / 2));
  const kept = updates.length - 2 * cut;
  const out = new Float32Array(length);
  const column = new Float64Array(updates.length);
  for (let i = 0; i < length; i++) {
    for (let k = 0; k < updates.length; k++) column[k] = updates[k]![i]!;
    column.sort();
    let sum = 0;
    for (let k = cut; k < cut + kept; k++) sum += column[k]!;
    out[i] = sum / kept;
  }
  return out;
}

/**
 * Multi-Krum (Blanchard et al. 2017): each update is scored by the summed squared distances to
 * its n − f − 2 nearest others; the `select` best-scored are averaged. It tolerates f Byzantine
 * clients when n > 2f + 2. The scores are returned too: the clients left out are the outliers.
 */
export function multiKrum(
  updates: readonly Update[],
  byzantine: number,
  select = updates.length - byzantine,
): { aggregate: Update; chosen: number[]; scores: number[] } {
  const length = checkUpdates(updates);
  const n = updates.length;
  const neighbours = n - byzantine - 2;
  if (neighbours < 1) throw new RangeError(`Krum needs n > f + 2 (n = ${n}, f = ${byzantine})`);
  const distances = updates.map(() => new Float64Array(n));
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const d = squaredDistance(updates[a]!, updates[b]!);
      distances[a]![b] = d;
      distances[b]![a] = d;
    }
  const scores = distances.map((row, a) => {
    const others = [...row].filter((_, b) => b !== a).sort((x, y) => x - y);
    return others.slice(0, neighbours).reduce((sum, d) => sum + d, 0);
  });
  const chosen = scores
    .map((score, index) => ({ score, index }))
    .sort((x, y) => x.score - y.score || x.index - y.index)
    .slice(0, Math.max(1, Math.min(select, n)))
    .map(({ index }) => index);
  const aggregate = new Float32Array(length);
  for (const index of chosen) {
    const update = updates[index]!;
    for (let i = 0; i < length; i++) aggregate[i]! += update[i]! / chosen.length;
  }
  return { aggregate, chosen, scores };
}

function checkUpdates(updates: readonly Update[]): number {
  const first = updates[0];
  if (!first) throw new RangeError('no updates to aggregate');
  for (const update of updates) checkSameLength(first, update);
  return first.length;
}
