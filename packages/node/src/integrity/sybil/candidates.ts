import { Random } from '../../sim/random.js';
import type { IdentityProfile } from './profile.js';

/**
 * Which pairs to compare: all pairs would be 50 million at 10,000 providers, so pairs are
 * blocked on what a sybil cannot easily hide: a shared host, a small shared /24, a joint
 * challenge that slowed it, the same heartbeat phase, or a similar load or heartbeat-jitter trace
 * (locality-sensitive hashing by random hyperplanes: a pair correlated above ~0.9 shares a
 * bucket in some band most hours; one above 0.95 nearly always).
 */
const PHASE_WINDOW_MS = 25;
/** A /24 holding more identities than this is a data centre: its pairs come only through the other keys. */
const MAX_SUBNET = 32;
const LSH_BANDS = 20;
const LSH_BITS = 18;
/** A bucket this large is a degenerate trace (flat, or mostly missing), not a machine. */
const MAX_BUCKET = 64;

export function candidatePairs(
  profiles: readonly IdentityProfile[],
  periodMs: number,
  seed: number,
): [number, number][] {
  const n = profiles.length;
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  const add = (i: number, j: number) => {
    if (i === j) return;
    const [a, b] = i < j ? [i, j] : [j, i];
    const key = a * n + b;
    if (seen.has(key)) return;
    seen.add(key);
    pairs.push([a, b]);
  };
  const addAllWithin = (members: readonly number[]) => {
    for (let x = 0; x < members.length; x++)
      for (let y = x + 1; y < members.length; y++) add(members[x]!, members[y]!);
  };

  const byHost = new Map<string, number[]>();
  const bySubnet = new Map<string, number[]>();
  for (const p of profiles) {
    for (const host of p.hosts) push(byHost, host, p.index);
    for (const subnet of p.subnets) push(bySubnet, subnet, p.index);
  }
  for (const members of byHost.values()) addAllWithin(members);
  for (const members of bySubnet.values()) if (members.length <= MAX_SUBNET) addAllWithin(members);

  const byAddress = new Map(profiles.map((p) => [p.address as string, p.index]));
  // Only partners of a slowed challenge: a pair is evidence only when both slowed, and an
  // identity explored every hour would otherwise bring hundreds of cleared partners.
  for (const p of profiles)
    for (const c of p.joint.filter((joint) => joint.slowed))
      for (const other of c.group) {
        const j = byAddress.get(other);
        if (j !== undefined) add(p.index, j);
      }

  const byPhase = [...profiles].sort((x, y) => x.phaseMs - y.phaseMs);
  for (let x = 0; x < n; x++)
    for (let k = 1; k < n; k++) {
      const y = (x + k) % n;
      const gap = (byPhase[y]!.phaseMs - byPhase[x]!.phaseMs + periodMs) % periodMs;
      if (gap > PHASE_WINDOW_MS) break;
      add(byPhase[x]!.index, byPhase[y]!.index);
    }

  const random = new Random(seed);
  for (const trace of ['load', 'jitter'] as const) {
    const vectors = profiles.map((p) => standardised(p[trace]));
    const dims = vectors.find((v) => v)?.length ?? 0;
    for (let band = 0; band < LSH_BANDS; band++) {
      const planes = Array.from({ length: LSH_BITS }, () =>
        Float64Array.from({ length: dims }, () => random.normal()),
      );
      const buckets = new Map<number, number[]>();
      vectors.forEach((v, i) => {
        if (!v) return;
        let key = 0;
        for (const plane of planes) {
          let dot = 0;
          for (let d = 0; d < dims; d++) dot += plane[d]! * v[d]!;
          key = key * 2 + (dot > 0 ? 1 : 0);
        }
        push(buckets, key, i);
      });
      for (const members of buckets.values()) if (members.length <= MAX_BUCKET) addAllWithin(members);
    }
  }
  return pairs;
}

/** Zero mean, unit norm over its bins (missing bins count as the mean); null for a flat or sparse trace. */
function standardised(series: Float64Array): Float64Array | null {
  let n = 0;
  let sum = 0;
  for (const v of series) {
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
  }
  if (n < series.length / 2) return null;
  const mean = sum / n;
  const out = series.map((v) => (Number.isNaN(v) ? 0 : v - mean));
  const norm = Math.hypot(...out);
  return norm > 1e-9 ? out.map((v) => v / norm) : null;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
