import { sha256 } from '@noble/hashes/sha2.js';
import { type Hex, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { SecAggConfig } from './config.js';
import { fixedPointScaleFor } from './fixed-point.js';

/** Deterministic identities, sorted by address as a config wants them. */
export function identities(count: number, tag = 'secagg'): { privateKey: Hex; address: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = toHex(sha256(new TextEncoder().encode(`${tag}-${i}`)));
    return { privateKey, address: privateKeyToAccount(privateKey).address.toLowerCase() };
  }).sort((a, b) => (a.address < b.address ? -1 : 1));
}

export function configFor(
  participants: readonly { address: string }[],
  overrides: Partial<SecAggConfig> = {},
): SecAggConfig {
  const range = overrides.range ?? 1;
  return {
    roundId: 'round-1',
    participants: participants.map((p) => p.address),
    threshold: 6,
    degree: participants.length - 1,
    vectorLength: 1000,
    range,
    scale: fixedPointScaleFor({ clients: participants.length, range }),
    ...overrides,
  };
}

/** A seeded pseudo-random update with values in [−1, 1) (mulberry32). */
export function randomUpdate(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Σ updates in double precision. */
export function plainSum(updates: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(updates[0]!.length);
  for (const update of updates) for (let i = 0; i < update.length; i++) out[i]! += update[i]!;
  return out;
}

/** The largest |a_i − b_i|. */
export function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
