import type { ResultManifest } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import {
  comparatorFor,
  exactComparator,
  majority,
  outcomeDigest,
  toleranceComparator,
  verdict,
} from './compare.js';

const manifest = (over: Partial<ResultManifest> = {}): ResultManifest => ({
  jobId: '0x01',
  exitCode: 0,
  stdoutCid: 'bafkrei-a',
  stderrCid: 'bafkrei-err',
  stdoutTruncated: false,
  stderrTruncated: false,
  durationMs: 120,
  ...over,
});
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('outcome comparison', () => {
  it('ignores run time and diagnostics, not the answer', () => {
    const base = outcomeDigest(manifest());
    expect(outcomeDigest(manifest({ durationMs: 9_000, stderrCid: 'other' }))).toBe(base);
    expect(outcomeDigest(manifest({ stdoutCid: 'bafkrei-b' }))).not.toBe(base);
    expect(outcomeDigest(manifest({ exitCode: 1 }))).not.toBe(base);
    expect(outcomeDigest(manifest({ stdoutTruncated: true }))).not.toBe(base);
  });

  it('compares floating-point outputs within a tolerance, structure exactly', () => {
    const compare = toleranceComparator(1e-3);
    const run = (value: unknown) => ({ manifest: manifest(), stdout: bytes(value) });
    expect(compare.agree(run({ y: [1.0, 2.0] }), run({ y: [1.0004, 1.9995] }))).toBe(true);
    expect(compare.agree(run({ y: [1.0, 2.0] }), run({ y: [1.01, 2.0] }))).toBe(false);
    expect(compare.agree(run({ y: [1.0, 2.0] }), run({ y: [1.0] }))).toBe(false);
    expect(compare.agree(run({ y: 1, label: 'cat' }), run({ y: 1, label: 'dog' }))).toBe(false);
  });

  it('finds the majority, and none between two that disagree', () => {
    const honest = [{ manifest: manifest() }, { manifest: manifest({ durationMs: 5 }) }];
    const liar = { manifest: manifest({ stdoutCid: 'bafkrei-lie' }) };
    const verdict = majority([honest[0]!, liar, honest[1]!], exactComparator);
    expect(verdict?.agreeing).toEqual(honest);
    expect(verdict?.dissenting).toEqual([liar]);
    expect(majority([honest[0]!, liar], exactComparator)).toBeUndefined();
  });

  it('decides a disagreement only with three runs of one answer, never by a bare 2 to 1', () => {
    const right = () => ({ manifest: manifest() });
    const stale = () => ({ manifest: manifest({ stdoutCid: 'bafkrei-stale' }) });
    expect(verdict([right(), right()], exactComparator)?.dissenting).toEqual([]);
    // Two lazy providers repeating the same stale answer against one honest run: undecided.
    expect(verdict([right(), stale(), stale()], exactComparator)).toBeUndefined();
    const decided = verdict([right(), stale(), stale(), right(), right()], exactComparator);
    expect(decided?.agreeing).toHaveLength(3);
    expect(decided?.winner.manifest.stdoutCid).toBe('bafkrei-a');
    expect(verdict([right(), stale(), right(), right()], exactComparator)?.dissenting).toHaveLength(1);
  });
});

describe('comparatorFor', () => {
  it('compares float runtimes within a tolerance, the others exactly', () => {
    const a = {
      manifest: manifest({ stdoutCid: 'bafkrei-x' }),
      stdout: bytes({ outputs: { Y: { data: [1.0000001, 2] } } }),
    };
    const b = {
      manifest: manifest({ stdoutCid: 'bafkrei-y' }),
      stdout: bytes({ outputs: { Y: { data: [1, 2] } } }),
    };
    for (const runtime of ['onnx', 'tfjs']) expect(comparatorFor(runtime).agree(a, b)).toBe(true);
    for (const runtime of ['wasm', 'fasttext', 'llm']) expect(comparatorFor(runtime).agree(a, b)).toBe(false);
  });
});
