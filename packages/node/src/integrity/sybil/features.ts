import type { IdentityProfile } from './profile.js';

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
  'loadCorrelation',
  'memoryCorrelation',
  'memoryClose',
  'claimSame',
  'loneSpeedClose',
  'jointChallenged',
  'jointSlowdown',
  'jointFailed',
  'jointFinishClose',
] as const;

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

/** Simultaneous challenges that named both: how much slower than alone, whether one failed, whether they finished together. */
function jointFeatures(a: IdentityProfile, b: IdentityProfile): [number, number, number, number] {
  const together = a.joint.filter((c) => c.group.has(b.address));
  const pairs = together.flatMap((ca) => {
    const cb = b.joint.find((c) => c.at === ca.at);
    return cb ? [[ca, cb] as const] : [];
  });
  if (pairs.length === 0) return [0, 0, 0, 0];
  const slowdown = (computeMs: number, loneMs: number) =>
    Number.isNaN(loneMs) ? 0 : Math.min(5, Math.max(0, Math.log2(computeMs / loneMs)));
  let slowest = 5;
  let failed = 0;
  let finish = 0;
  for (const [ca, cb] of pairs) {
    // The least slowed joint challenge counts: one clean run together clears a pair.
    slowest = Math.min(
      slowest,
      (slowdown(ca.computeMs, a.loneComputeMs) + slowdown(cb.computeMs, b.loneComputeMs)) / 2,
    );
    if ((!ca.passed || !cb.passed) && a.lonePassed && b.lonePassed) failed++;
    finish += close(ca.computeMs, cb.computeMs, 0.05);
  }
  return [1, slowest, failed / pairs.length, finish / pairs.length];
}

/** The features of one pair, in SYBIL_FEATURES order. */
export function pairFeatures(a: IdentityProfile, b: IdentityProfile, periodMs: number): Float64Array {
  const sameHost = intersects(a.hosts, b.hosts) ? 1 : 0;
  const sameSubnet = !sameHost && intersects(a.subnets, b.subnets) ? 1 : 0;
  const phaseGap = Math.abs(a.phaseMs - b.phaseMs);
  const phaseMs = Math.min(phaseGap, periodMs - phaseGap);
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
    Math.exp(-phaseMs / 250),
    correlation(a.jitter, b.jitter),
    correlation(a.load, b.load),
    correlation(a.memory, b.memory),
    close(a.meanFreeMemoryMb, b.meanFreeMemoryMb, 0.02),
    claimSame,
    Number.isNaN(a.loneComputeMs) || Number.isNaN(b.loneComputeMs)
      ? 0
      : close(a.loneComputeMs, b.loneComputeMs, 0.1),
    ...jointFeatures(a, b),
  ]);
}
