import { describe, expect, it } from 'vitest';
import { encodeFixedPoint } from './fixed-point.js';
import { simulateRound } from './simulate.js';
import { configFor, identities } from './test-fixtures.js';

/** Pearson's χ² of observed counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

function byteHistogram(words: Uint32Array): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const byte of new Uint8Array(words.buffer, words.byteOffset, words.byteLength)) counts[byte]!++;
  return counts;
}

function topBitsHistogram(words: Uint32Array): number[] {
  const counts = new Array<number>(16).fill(0);
  for (const word of words) counts[word >>> 28]!++;
  return counts;
}

// 1 − 10⁻⁶ quantiles of χ² with 255 and 15 degrees of freedom (Wilson–Hilferty): a uniform source
// exceeds one about once in a million runs, so ten checks a run keep CI from failing by chance.
const CRITICAL_255 = 377.2;
const CRITICAL_15 = 57.3;

describe('a masked update', () => {
  it('is indistinguishable from uniform noise, where the plain encoding is not', async () => {
    const people = identities(5, 'stats');
    const config = configFor(people, { threshold: 3, vectorLength: 20_000 });
    const updates = new Map(
      people.map((p, i) => [p.address, new Float32Array(config.vectorLength).fill(i === 0 ? 0 : 0.25)]),
    );
    const { masked } = await simulateRound({ config, privateKeys: people.map((p) => p.privateKey), updates });
    for (const [address, update] of updates) {
      const input = masked.get(address)!;
      expect(chiSquare(byteHistogram(input))).toBeLessThan(CRITICAL_255);
      expect(chiSquare(topBitsHistogram(input))).toBeLessThan(CRITICAL_15);
      const plain = encodeFixedPoint(update, config);
      expect(chiSquare(byteHistogram(plain))).toBeGreaterThan(CRITICAL_255);
      expect(chiSquare(topBitsHistogram(plain))).toBeGreaterThan(CRITICAL_15);
    }
  });
});
