import { IdlegridError } from '@idlegrid/protocol';
import type { DatasetArrays } from './dataset-arrays.js';
import { dirichlet, shuffle } from './seeded-random.js';

/**
 * How records are dealt to the providers of a simulated federation:
 * - `iid`: shuffled and dealt evenly;
 * - `dirichlet:ALPHA`: each label's records split by Dirichlet(ALPHA) proportions (smaller ALPHA,
 *   more skew; 0.5 is the usual non-IID benchmark);
 * - `shards:N`: sorted by label, cut in N shards per provider, N random shards each (McMahan et
 *   al.'s pathological split: a provider sees about N labels).
 */
export type Split =
  | { kind: 'iid' }
  | { kind: 'dirichlet'; alpha: number }
  | { kind: 'shards'; perProvider: number };

export function parseSplit(text: string): Split {
  if (text === 'iid') return { kind: 'iid' };
  const [kind, value] = text.split(':');
  const number = Number(value);
  if (kind === 'dirichlet' && number > 0) return { kind, alpha: number };
  if (kind === 'shards' && Number.isInteger(number) && number > 0) return { kind, perProvider: number };
  throw new IdlegridError('INVALID_ARGUMENT', `split "${text}": use iid, dirichlet:ALPHA (> 0) or shards:N`);
}

/** Record indices for each of `parts` providers; every record goes to exactly one. */
export function partition(
  arrays: Pick<DatasetArrays, 'labelIndex' | 'labels'>,
  parts: number,
  split: Split,
  random: () => number,
): number[][] {
  const indices = Array.from(arrays.labelIndex.keys());
  const out: number[][] = Array.from({ length: parts }, () => []);
  if (split.kind === 'iid') {
    shuffle(indices, random).forEach((index, k) => {
      out[k % parts]!.push(index);
    });
    return out;
  }
  if (split.kind === 'shards') {
    const sorted = shuffle(indices, random).sort((a, b) => arrays.labelIndex[a]! - arrays.labelIndex[b]!);
    const count = parts * split.perProvider;
    const shards = shuffle(
      Array.from({ length: count }, (_, s) =>
        sorted.slice(Math.floor((s * sorted.length) / count), Math.floor(((s + 1) * sorted.length) / count)),
      ),
      random,
    );
    shards.forEach((shard, s) => {
      out[s % parts]!.push(...shard);
    });
    return out;
  }
  for (const label of arrays.labels.keys()) {
    const ofLabel = shuffle(
      indices.filter((index) => arrays.labelIndex[index] === label),
      random,
    );
    const shares = dirichlet(split.alpha, parts, random);
    let start = 0;
    let cumulative = 0;
    shares.forEach((share, k) => {
      cumulative += share;
      const end = k === parts - 1 ? ofLabel.length : Math.round(cumulative * ofLabel.length);
      out[k]!.push(...ofLabel.slice(start, end));
      start = end;
    });
  }
  return out;
}
