import { describe, expect, it } from 'vitest';
import { Random } from '../../sim/random.js';
import { AgreementGraph } from './agreement-graph.js';
import { log10BinomialTail } from './binomial-tail.js';
import { log10ChanceGroups } from './chance-components.js';
import { detectRings } from './detect-rings.js';

describe('log10BinomialTail', () => {
  it('matches the exact tail', () => {
    // P(X >= 2 | 3, 0.5) = 4/8
    expect(log10BinomialTail(2, 3, 0.5)).toBeCloseTo(Math.log10(0.5), 10);
    // P(X >= 3 | 3, 0.1) = 0.001
    expect(log10BinomialTail(3, 3, 0.1)).toBeCloseTo(-3, 10);
    expect(log10BinomialTail(0, 5, 0.2)).toBe(0);
    expect(log10BinomialTail(6, 5, 0.2)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('stays finite far below double precision', () => {
    const tail = log10BinomialTail(400, 400, 0.01);
    expect(tail).toBeCloseTo(-800, 6);
  });
});

/**
 * 300 providers, 3 replicas per job. Honest ones answer right; 3% of runs are a lone
 * provider's wrong answer, and 10 honest providers run a stale runtime that gives the same
 * wrong answer on a fifth of their jobs. The ring of five answers wrong together whenever two
 * or more of them hold a job's runs; two honest arbiters then outvote it, as `verdict` would.
 */
function market(jobs: number, seed: number) {
  const random = new Random(seed);
  const providers = Array.from({ length: 300 }, (_, i) => `p${String(i).padStart(3, '0')}`);
  const ring = new Set(providers.slice(0, 5));
  const stale = new Set(providers.slice(100, 110));
  const graph = new AgreementGraph();
  for (let job = 0; job < jobs; job++) {
    const chosen = new Set<string>();
    // Ring members bid low: a third of runs go to them.
    while (chosen.size < 3) {
      const pool = random.next() < 0.3 ? providers.slice(0, 5) : providers;
      chosen.add(pool[Math.floor(random.next() * pool.length)]!);
    }
    const ringHolds = [...chosen].filter((p) => ring.has(p)).length >= 2;
    const runs = [...chosen].map((provider) => ({
      provider,
      outcome:
        ring.has(provider) && ringHolds
          ? `ring-${job}`
          : stale.has(provider) && random.next() < 0.2
            ? `stale-${job}`
            : random.next() < 0.03
              ? `wrong-${job}-${provider}`
              : `right-${job}`,
    }));
    graph.add({ jobId: `job-${job}`, runs: withArbiters(runs, job, random) });
  }
  return { graph, ring };
}

/** As `verdict` asks: on a disagreement, more runs (by honest arbiters here) until one answer has three. */
function withArbiters(runs: { provider: string; outcome: string }[], job: number, random: Random) {
  const right = () => runs.filter((run) => run.outcome === `right-${job}`).length;
  if (runs.every((run) => run.outcome === runs[0]!.outcome)) return runs;
  while (right() < 3)
    runs.push({ provider: `arbiter-${Math.floor(random.next() * 1000)}`, outcome: `right-${job}` });
  return runs;
}

describe('log10ChanceGroups', () => {
  it('expects fewer chance groups the larger they are, and none without coincidences', () => {
    const sizes = [2, 3, 5, 8].map((size) => log10ChanceGroups(size, 10_000, 50));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    // 50 coincidences among 10,000 providers: about 50 lone pairs...
    expect(10 ** sizes[0]!).toBeGreaterThan(40);
    expect(10 ** sizes[0]!).toBeLessThan(55);
    // ...and almost never a group of eight.
    expect(sizes[3]).toBeLessThan(-8);
    expect(log10ChanceGroups(3, 10_000, 0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('detectRings', () => {
  it('finds a ring that wins its disputes, and flags no honest provider', () => {
    const { graph, ring } = market(3_000, 7);
    const rings = detectRings(graph);
    expect(rings).toHaveLength(1);
    expect(new Set(rings[0]!.members)).toEqual(ring);
    expect(rings[0]!.jobs.length).toBeGreaterThan(0);
    expect(rings[0]!.opposed.every((provider) => !ring.has(provider))).toBe(true);
    expect(rings[0]!.evidence).toMatch(/agreed with each other against the majority/);
  });

  it('flags nobody in a market without a ring, though stale runtimes agree on wrong answers', () => {
    const graph = new AgreementGraph();
    const random = new Random(3);
    for (let job = 0; job < 5_000; job++) {
      const chosen = new Set<string>();
      while (chosen.size < 3) chosen.add(`p${Math.floor(random.next() * 40)}`);
      graph.add({
        jobId: `job-${job}`,
        runs: withArbiters(
          [...chosen].map((provider) => ({
            provider,
            outcome:
              provider < 'p12' && random.next() < 0.1
                ? `stale-${job}`
                : random.next() < 0.05
                  ? `wrong-${job}-${provider}`
                  : `right-${job}`,
          })),
          job,
          random,
        ),
      });
    }
    expect(graph.baseRate).toBeGreaterThan(0);
    expect(detectRings(graph)).toEqual([]);
  });

  it('finds a ring by its size before any pair of it repeats', () => {
    const graph = new AgreementGraph();
    const random = new Random(11);
    const ring = Array.from({ length: 8 }, (_, i) => `ring-${i}`);
    let job = 0;
    // Honest jobs among 2,000 providers, and twenty chance coincidences (a shared stale runtime).
    for (; job < 4_000; job++) {
      const runs = [0, 1, 2].map(() => ({
        provider: `p${Math.floor(random.next() * 2_000)}`,
        outcome: `right-${job}`,
      }));
      if (job % 200 === 0) runs[0]!.outcome = runs[1]!.outcome = `stale-${job}`;
      graph.add({ jobId: `job-${job}`, runs: withArbiters(runs, job, random) });
    }
    // Seven jobs, each with two ring members never paired before: a path through the ring.
    for (let i = 0; i < 7; i++, job++) {
      const runs = [
        { provider: ring[i]!, outcome: `ring-${job}` },
        { provider: ring[i + 1]!, outcome: `ring-${job}` },
        { provider: `p${Math.floor(random.next() * 2_000)}`, outcome: `right-${job}` },
      ];
      graph.add({ jobId: `job-${job}`, runs: withArbiters(runs, job, random) });
    }
    const rings = detectRings(graph);
    expect(rings.map((r) => r.members)).toEqual([[...ring].sort()]);
    expect(rings[0]!.pairs.every((pair) => pair.againstMajority === 1)).toBe(true);
  });

  it('counts each provider once per job and ignores jobs with a single run', () => {
    const graph = new AgreementGraph();
    graph.add({ jobId: 'a', runs: [{ provider: 'x', outcome: '1' }] });
    graph.add({
      jobId: 'b',
      runs: [
        { provider: 'x', outcome: '1' },
        { provider: 'x', outcome: '2' },
        { provider: 'y', outcome: '1' },
        { provider: 'z', outcome: '2' },
      ],
    });
    expect(graph.runs.get('x')).toEqual({ jobs: 1, disputed: 1 });
    // No answer is the majority (two against two): nobody agreed against it.
    expect(graph.pairs.get('x|y')).toMatchObject({ coRuns: 1, againstMajority: 0 });
    graph.add({
      jobId: 'c',
      runs: ['1', '1', '2', '2', '2'].map((outcome, i) => ({ provider: 'vwxyz'[i]!, outcome })),
    });
    expect(graph.pairs.get('v|w')).toMatchObject({
      coRuns: 1,
      againstMajority: 1,
      jobs: ['c'],
      opposed: ['x', 'y', 'z'],
    });
    expect(graph.pairs.get('x|y')).toMatchObject({ coRuns: 2, againstMajority: 0 });
    expect(graph.pairs.get('v|x')).toMatchObject({ coRuns: 1, againstMajority: 0 });
  });
});
