import { type IdentityProfile, SLOWED } from './profile.js';

/**
 * The pair features, in the model's order. Each is shaped to be roughly linear in the log-odds
 * (closeness as exp(-distance / scale), correlations as they are), so that a logistic model fits.
 */
export const SYBIL_FEATURES = [
  'sameHost',
  'sameSubnet',
  'rttClose',
  'rttCorrelation',
  'phaseNear',
  'jitterCorrelation',
  'sharedTimer',
  'loadCorrelation',
  'memoryCorrelation',
  'memoryMatch',
  'claimSame',
  'loneSpeedClose',
  'jointSlowdown',
  'jointFailed',
  'jointSlowedTogether',
  'jointSlowedApart',
  'jointCleared',
] as const;

/** Simultaneous challenges that named both end in one of these three: their shares sum to 1 once challenged together. */
export const JOINT_OUTCOMES = ['jointSlowedTogether', 'jointSlowedApart', 'jointCleared'] as const;

export type SybilFeature = (typeof SYBIL_FEATURES)[number];

/** Fewer shared bins than this and a correlation says nothing. */
const MIN_SHARED_BINS = 12;

/** Pearson correlation over the bins where both have a value; 0 when too few. */
export function correlation(x: Float64Array, y: Float64Array): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  if (n < MIN_SHARED_BINS) return 0;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  if (vx <= 1e-12 || vy <= 1e-12) return 0;
  return (sxy - (sx * sy) / n) / Math.sqrt(vx * vy);
}

const close = (x: number, y: number, scale: number) =>
  x > 0 && y > 0 ? Math.exp(-Math.abs(Math.log(x / y)) / scale) : 0;

const intersects = (x: Set<string>, y: Set<string>) => [...x].some((item) => y.has(item));

/**
 * Simultaneous challenges that named both: how much slower than alone (the least slowed one
 * counts), the share where one missed its deadline though both pass alone, and the share of
 * each outcome: both slowed and finished together (one set of cores), both slowed but apart
 * (two machines, each crowded by identities of its own), or not both slowed (cleared).
 */
function jointFeatures(a: IdentityProfile, b: IdentityProfile): number[] {
  const together = a.joint.filter((c) => c.group.has(b.address));
  const pairs = together.flatMap((ca) => {
    const cb = b.joint.find((c) => c.at === ca.at);
    return cb ? [[ca, cb] as const] : [];
  });
  if (pairs.length === 0 || Number.isNaN(a.loneComputeMs) || Number.isNaN(b.loneComputeMs))
    return [0, 0, 0, 0, 0];
  const slowdown = (computeMs: number, loneMs: number) =>
    Math.min(5, Math.max(0, Math.log2(computeMs / loneMs)));
  let slowest = 5;
  let failed = 0;
  let same = 0;
  let apart = 0;
  let cleared = 0;
  for (const [ca, cb] of pairs) {
    // Both must slow: an identity slowed by its own siblings says nothing of the honest one beside it.
    const slowed = Math.min(slowdown(ca.computeMs, a.loneComputeMs), slowdown(cb.computeMs, b.loneComputeMs));
    slowest = Math.min(slowest, slowed);
    if ((!ca.passed || !cb.passed) && a.lonePassed && b.lonePassed) failed++;
    if (slowed < SLOWED) {
      cleared++;
      continue;
    }
    // Two machines may finish together by chance; one machine's identities finish together and
    // slowed by the same factor (the same waves of lanes on the same cores).
    const together =
      close(ca.computeMs, cb.computeMs, 0.02) *
      close(ca.computeMs / a.loneComputeMs, cb.computeMs / b.loneComputeMs, 0.1);
    same += together;
    apart += 1 - together;
  }
  const n = pairs.length;
  return [slowest, failed / n, same / n, apart / n, cleared / n];
}

/** The share of shared bins where both report the same free memory (within 0.5%): one machine's memory, told truthfully. */
function sameValueShare(x: Float64Array, y: Float64Array): number {
  let shared = 0;
  let same = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i]!) || Number.isNaN(y[i]!)) continue;
    shared++;
    if (Math.abs(x[i]! - y[i]!) <= 0.005 * Math.max(x[i]!, y[i]!)) same++;
  }
  return shared >= MIN_SHARED_BINS ? same / shared : 0;
}

/** The features of one pair, in SYBIL_FEATURES order. */
export function pairFeatures(a: IdentityProfile, b: IdentityProfile, periodMs: number): Float64Array {
  const sameHost = intersects(a.hosts, b.hosts) ? 1 : 0;
  const sameSubnet = !sameHost && intersects(a.subnets, b.subnets) ? 1 : 0;
  const phaseGap = Math.abs(a.phaseMs - b.phaseMs);
  const phaseMs = Math.min(phaseGap, periodMs - phaseGap);
  const phaseNear = Math.exp(-phaseMs / 250);
  const jitter = correlation(a.jitter, b.jitter);
  const claimSame =
    ((a.claim.cpuCores === b.claim.cpuCores ? 1 : 0) +
      (Math.abs(a.claim.memoryMb - b.claim.memoryMb) <= 0.01 * Math.max(a.claim.memoryMb, b.claim.memoryMb)
        ? 1
        : 0) +
      (a.claim.gpuCount === b.claim.gpuCount ? 1 : 0)) /
    3;
  return Float64Array.from([
    sameHost,
    sameSubnet,
    close(a.medianRttMs, b.medianRttMs, 0.05),
    correlation(a.rtt, b.rtt),
    phaseNear,
    jitter,
    // Same instant and the same stalls: one event loop. Either alone is common among honest machines.
    phaseNear * Math.max(0, jitter),
    correlation(a.load, b.load),
    correlation(a.memory, b.memory),
    sameValueShare(a.memory, b.memory),
    claimSame,
    Number.isNaN(a.loneComputeMs) || Number.isNaN(b.loneComputeMs)
      ? 0
      : close(a.loneComputeMs, b.loneComputeMs, 0.1),
    ...jointFeatures(a, b),
  ]);
}
