import { bytesToHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { randomSecretKey } from './keys.js';
import { combine, randomFieldElement, SHAMIR_PRIME, split } from './shamir.js';

function subsets<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), size - 1).map((rest) => [item, ...rest]));
}

describe('Shamir secret sharing', () => {
  it('any t of n shares reconstruct the secret; t − 1 do not', () => {
    const secret = randomFieldElement();
    const shares = split(secret, 3, [1, 2, 3, 4, 5]);
    for (const subset of subsets(shares, 3)) expect(bytesToHex(combine(subset, 3))).toBe(bytesToHex(secret));
    for (const subset of subsets(shares, 2)) {
      expect(() => combine(subset, 3)).toThrow(/cannot reconstruct/);
      // Interpolating t − 1 points as if they were enough gives some other value.
      expect(bytesToHex(combine(subset, 2))).not.toBe(bytesToHex(secret));
    }
  });

  it('shares a secp256k1 key among sparse x-coordinates, 7 of 10', () => {
    const secret = randomSecretKey();
    const xs = [3, 5, 8, 11, 12, 14, 17, 19, 20, 21];
    const shares = split(secret, 7, xs);
    expect(bytesToHex(combine(shares.slice(3), 7))).toBe(bytesToHex(secret));
    expect(bytesToHex(combine([...shares].reverse(), 7))).toBe(bytesToHex(secret));
    expect(bytesToHex(combine(shares.slice(4), 6))).not.toBe(bytesToHex(secret));
  });

  it('refuses bad inputs', () => {
    const secret = randomFieldElement();
    const tooBig = new Uint8Array(32).fill(0xff);
    expect(SHAMIR_PRIME < 2n ** 256n).toBe(true);
    expect(() => split(tooBig, 2, [1, 2])).toThrow(/field prime/);
    expect(() => split(secret, 2, [0, 1])).toThrow(/≥ 1/);
    expect(() => split(secret, 2, [1, 1])).toThrow(/twice/);
    expect(() => split(secret, 3, [1, 2])).toThrow(/threshold/);
    const [a] = split(secret, 2, [1, 2]);
    expect(() => combine([a!, a!], 2)).toThrow(/twice/);
  });
});
