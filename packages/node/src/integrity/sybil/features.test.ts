import { describe, expect, it } from 'vitest';
import type { IdentityObservation } from './api.js';
import { correlation, pairFeatures, SYBIL_FEATURES } from './features.js';
import { profileIdentity, timeGrid } from './profile.js';

const feature = (x: Float64Array, name: (typeof SYBIL_FEATURES)[number]) => x[SYBIL_FEATURES.indexOf(name)]!;

/** A minute-heartbeat identity whose load follows `load(minute)`; `late(minute)` delays its heartbeat. */
function identity(
  n: number,
  host: string,
  phaseMs: number,
  load: (k: number) => number,
  late: (k: number) => number,
) {
  const beats = Array.from({ length: 60 }, (_, k) => 1_000_000 + k * 60_000 + phaseMs + late(k));
  return {
    address: `0x${n.toString(16).padStart(40, '0')}`,
    hosts: [host],
    rttMs: beats.map(() => 40),
    heartbeatAt: beats,
    telemetry: beats.map((at, k) => ({ at, cpuLoad: load(k), freeMemoryMb: 8_000 - 4_000 * load(k) })),
    claim: { cpuCores: 16, memoryMb: 65_536, gpuCount: 0 },
    challenges: [],
  } satisfies IdentityObservation;
}

const wave = (seed: number) => (k: number) => 0.5 + 0.4 * Math.sin(k * seed + seed * seed);
const stalls = (seed: number) => (k: number) => ((k * seed) % 7 === 0 ? 600 : 3);

describe('pair features', () => {
  it('correlates only the bins both identities have, and says nothing on too few', () => {
    const x = Float64Array.from([1, 2, 3, Number.NaN, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(correlation(x, x)).toBeCloseTo(1);
    expect(correlation(x.slice(0, 5), x.slice(0, 5))).toBe(0);
  });

  it('sees one machine in identities that share load, stalls and phase, and not in NAT neighbours', () => {
    const observations = [
      identity(1, '10.0.0.1', 5_000, wave(1), stalls(3)),
      identity(2, '10.0.0.1', 5_010, wave(1), stalls(3)),
      identity(3, '10.0.0.1', 31_000, wave(2), stalls(5)),
    ];
    const grid = timeGrid(observations);
    const [a, b, c] = observations.map((o, i) => profileIdentity(o, i, grid));
    const sybil = pairFeatures(a!, b!, grid.periodMs);
    const neighbours = pairFeatures(a!, c!, grid.periodMs);
    expect(feature(sybil, 'sameHost')).toBe(1);
    expect(feature(neighbours, 'sameHost')).toBe(1);
    expect(feature(sybil, 'loadCorrelation')).toBeGreaterThan(0.99);
    expect(feature(neighbours, 'loadCorrelation')).toBeLessThan(0.5);
    expect(feature(sybil, 'jitterCorrelation')).toBeGreaterThan(0.99);
    expect(feature(sybil, 'phaseNear')).toBeGreaterThan(0.9);
    expect(feature(neighbours, 'phaseNear')).toBeLessThan(0.01);
  });

  it('reads a simultaneous challenge: slower than alone, failed though each passes alone', () => {
    const [a, b] = [
      identity(1, '1.1.1.1', 0, wave(1), stalls(3)),
      identity(2, '2.2.2.2', 9_000, wave(2), stalls(5)),
    ];
    const group = [a.address, b.address];
    const lone = (at: number) => ({
      at,
      group: [],
      lanes: 16,
      elapsedMs: 540,
      deadlineMs: 1_545,
      passed: true,
    });
    for (const o of [a, b])
      (o.challenges as IdentityObservation['challenges']).push(lone(10), {
        at: 2_000_000,
        group,
        lanes: 16,
        elapsedMs: 2_040,
        deadlineMs: 1_545,
        passed: false,
      });
    const grid = timeGrid([a, b]);
    const x = pairFeatures(profileIdentity(a, 0, grid), profileIdentity(b, 1, grid), grid.periodMs);
    expect(feature(x, 'jointCleared')).toBe(0);
    expect(feature(x, 'jointSlowdown')).toBeCloseTo(2, 1);
    expect(feature(x, 'jointFailed')).toBe(1);
    expect(feature(x, 'jointSlowedTogether')).toBeCloseTo(1);
  });
});
