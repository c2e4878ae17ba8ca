import { describe, expect, it } from 'vitest';
import { neighbourGraph } from './neighbours.js';
import { expandMask } from './prg.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
const seed = (byte: number) => new Uint8Array(32).fill(byte);

describe('PRG', () => {
  it('is deterministic per seed and domain, and separates domains', () => {
    const a = expandMask(seed(1), 1000, 'x');
    expect(expandMask(seed(1), 1000, 'x')).toEqual(a);
    expect(expandMask(seed(1), 10, 'x')).toEqual(a.subarray(0, 10));
    expect(expandMask(seed(1), 1000, 'y')).not.toEqual(a);
    expect(expandMask(seed(2), 1000, 'x')).not.toEqual(a);
  });
});

describe('SecAgg+ neighbour graph', () => {
  it('is the complete graph when degree ≥ n − 1', () => {
    const participants = names(6);
    const graph = neighbourGraph(participants, seed(1), 5);
    for (const u of participants) expect(graph.get(u)).toEqual(participants.filter((v) => v !== u));
  });

  it('is regular, symmetric, connected and seeded', () => {
    const participants = names(20);
    const graph = neighbourGraph(participants, seed(1), 6);
    for (const [u, around] of graph) {
      expect(around).toHaveLength(6);
      expect(new Set(around).size).toBe(6);
      expect(around).not.toContain(u);
      for (const v of around) expect(graph.get(v)).toContain(u);
    }
    const reached = new Set([participants[0]!]);
    const queue = [participants[0]!];
    while (queue.length > 0) {
      for (const v of graph.get(queue.shift()!)!) if (!reached.has(v) && reached.add(v)) queue.push(v);
    }
    expect(reached.size).toBe(20);
    expect(neighbourGraph(participants, seed(1), 6)).toEqual(graph);
    expect(neighbourGraph(participants, seed(2), 6)).not.toEqual(graph);
  });

  it('rounds an odd degree up', () => {
    const graph = neighbourGraph(names(12), seed(3), 5);
    for (const around of graph.values()) expect(around).toHaveLength(6);
  });
});
