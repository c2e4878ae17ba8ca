import type { Address, IdentityObservation } from './api.js';

/** Heartbeat lateness above this (a stall) counts as this much. */
const JITTER_CAP_MS = 100;

/** A joint challenge this much slower than alone (log2) is slowed; below it the identity ran as if alone. */
export const SLOWED = 0.35;

/** A challenge taken together with other identities, reduced to what pair features need. */
export interface JointChallenge {
  at: number;
  /** Slower than alone by SLOWED or more: crowded, by identities of its own machine or by load. */
  slowed: boolean;
  group: Set<string>;
  computeMs: number;
  passed: boolean;
}

/** One identity's observation, summarised once so that each pair costs little to compare. */
export interface IdentityProfile {
  index: number;
  address: Address;
  hosts: Set<string>;
  subnets: Set<string>;
  /** Where in the common heartbeat period its heartbeats arrive (ms). */
  phaseMs: number;
  /** Per bin of the common time grid (NaN where it sent nothing): heartbeat lateness, load, free memory, rtt. */
  jitter: Float64Array;
  load: Float64Array;
  memory: Float64Array;
  rtt: Float64Array;
  medianRttMs: number;
  claim: IdentityObservation['claim'];
  /** Median compute time (elapsed less round trip) of its lone challenges; NaN if none. */
  loneComputeMs: number;
  lonePassed: boolean;
  joint: JointChallenge[];
}

/** The time grid every identity is binned on: one bin per heartbeat period from the window's start. */
export interface TimeGrid {
  startMs: number;
  periodMs: number;
  bins: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The /24 of an IPv4 address, or the /48 of an IPv6 one: where a NAT or a data centre puts its machines. */
export function subnetOf(host: string): string {
  if (host.includes(':')) return host.split(':').slice(0, 3).join(':');
  return host.split('.').slice(0, 3).join('.');
}

/** Heartbeats share one configured period; the grid takes the common one and the earliest arrival. */
export function timeGrid(observations: readonly IdentityObservation[]): TimeGrid {
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  const periods: number[] = [];
  for (const o of observations) {
    const beats = o.heartbeatAt;
    if (beats.length === 0) continue;
    startMs = Math.min(startMs, beats[0]!);
    endMs = Math.max(endMs, beats[beats.length - 1]!);
    if (beats.length > 2) periods.push(median(beats.slice(1).map((at, i) => at - beats[i]!)));
  }
  if (!Number.isFinite(startMs)) return { startMs: 0, periodMs: 60_000, bins: 0 };
  const periodMs = periods.length ? median(periods) : 60_000;
  return { startMs, periodMs, bins: Math.floor((endMs - startMs) / periodMs) + 2 };
}

/** Circular mean of arrival times modulo the period: the instant in each period it beats at. */
function phaseOf(beats: readonly number[], grid: TimeGrid): number {
  let x = 0;
  let y = 0;
  for (const at of beats) {
    const angle = (2 * Math.PI * (at - grid.startMs)) / grid.periodMs;
    x += Math.cos(angle);
    y += Math.sin(angle);
  }
  const angle = Math.atan2(y, x);
  return ((((angle / (2 * Math.PI)) * grid.periodMs) % grid.periodMs) + grid.periodMs) % grid.periodMs;
}

export function profileIdentity(o: IdentityObservation, index: number, grid: TimeGrid): IdentityProfile {
  const phaseMs = phaseOf(o.heartbeatAt, grid);
  const binOf = (at: number) => Math.round((at - grid.startMs - phaseMs) / grid.periodMs);
  const series = () => new Float64Array(grid.bins).fill(Number.NaN);
  const put = (target: Float64Array, at: number, value: number) => {
    const bin = binOf(at);
    if (bin >= 0 && bin < target.length) target[bin] = value;
  };
  const jitter = series();
  const bins = o.heartbeatAt.map(binOf);
  // Less half its round trip where measured: what is left is the machine's own lateness (its
  // timers, its stalls), not the congestion of a link that NAT neighbours share.
  const aligned = o.rttMs.length === o.heartbeatAt.length;
  const lateness = detrended(
    bins,
    o.heartbeatAt.map(
      (at, i) => at - grid.startMs - phaseMs - bins[i]! * grid.periodMs - (aligned ? o.rttMs[i]! / 2 : 0),
    ),
  );
  // Capped: one long stall that two honest machines happen to share in an hour would otherwise
  // carry the whole correlation; one machine's identities share every minute's lateness.
  o.heartbeatAt.forEach((at, i) => {
    put(jitter, at, Math.asinh(Math.min(lateness[i]!, JITTER_CAP_MS) / 10));
  });
  const load = series();
  const memory = series();
  for (const t of o.telemetry) {
    put(load, t.at, t.cpuLoad);
    put(memory, t.at, t.freeMemoryMb);
  }
  const rtt = series();
  if (aligned)
    o.heartbeatAt.forEach((at, i) => {
      put(rtt, at, o.rttMs[i]!);
    });
  const medianRttMs = o.rttMs.length ? median(o.rttMs) : 0;
  const computeOf = (elapsedMs: number) => Math.max(1, elapsedMs - medianRttMs);
  const lone = o.challenges.filter((c) => c.group.length <= 1);
  const loneComputeMs = median(lone.map((c) => computeOf(c.elapsedMs)));
  return {
    index,
    address: o.address,
    hosts: new Set(o.hosts),
    subnets: new Set(o.hosts.map(subnetOf)),
    phaseMs,
    jitter,
    load,
    memory,
    rtt,
    medianRttMs,
    claim: o.claim,
    loneComputeMs,
    lonePassed: lone.some((c) => c.passed),
    joint: o.challenges
      .filter((c) => c.group.length > 1)
      .map((c) => ({
        at: c.at,
        slowed: Math.log2(computeOf(c.elapsedMs) / loneComputeMs) >= SLOWED,
        group: new Set(c.group),
        computeMs: computeOf(c.elapsedMs),
        passed: c.passed,
      })),
  };
}

/**
 * Lateness less its least-squares line over time: a period estimate off by a fraction of a
 * millisecond drifts every identity alike, and would read as a correlation between all of them.
 */
function detrended(x: readonly number[], y: readonly number[]): number[] {
  const n = x.length;
  if (n < 2) return y.map(() => 0);
  const mx = x.reduce((sum, v) => sum + v, 0) / n;
  const my = y.reduce((sum, v) => sum + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return y.map((v, i) => v - my - slope * (x[i]! - mx));
}
