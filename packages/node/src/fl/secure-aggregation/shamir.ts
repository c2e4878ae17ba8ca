import { invert } from '@noble/curves/abstract/modular.js';
import { bytesToBigInt, numberToBytes } from 'viem';

/**
 * t-of-n Shamir secret sharing of 32-byte secrets over GF(P), P = 2^256 − 2^32 − 977 (the secp256k1
 * base field prime). P exceeds the secp256k1 group order, so every secp256k1 secret key is a field
 * element as it stands; other secrets must be below P (`randomFieldElement` draws such one).
 *
 * A share is the point (x, f(x)) of a random polynomial f of degree t − 1 with f(0) = secret; any t
 * shares determine f(0), any t − 1 say nothing about it.
 */
export const SHAMIR_PRIME = 2n ** 256n - 2n ** 32n - 977n;

export interface Share {
  /** The holder's x-coordinate: a positive integer, by convention participant index + 1. */
  x: number;
  /** f(x), 32 bytes big-endian. */
  y: Uint8Array;
}

/** Splits `secret` into one share per x in `xs`, any `threshold` of which reconstruct it. */
export function split(secret: Uint8Array, threshold: number, xs: readonly number[]): Share[] {
  const value = toField(secret, 'secret');
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new RangeError(`threshold must be ≥ 1, got ${threshold}`);
  if (xs.length < threshold) throw new RangeError(`${xs.length} holders cannot meet threshold ${threshold}`);
  checkXs(xs);
  // Coefficients a_1..a_{t−1} uniform in GF(P): this is what makes t − 1 shares reveal nothing.
  const coefficients = [value];
  for (let i = 1; i < threshold; i++) coefficients.push(bytesToBigInt(randomFieldElement()));
  return xs.map((x) => {
    let y = 0n;
    for (let i = coefficients.length - 1; i >= 0; i--) y = (y * BigInt(x) + coefficients[i]!) % SHAMIR_PRIME;
    return { x, y: toBytes32(y) };
  });
}

/**
 * The secret from at least `threshold` shares (Lagrange interpolation at 0 over the first
 * `threshold`). Fewer are refused: they would interpolate a wrong value without saying so.
 */
export function combine(shares: readonly Share[], threshold: number): Uint8Array {
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new RangeError(`threshold must be ≥ 1, got ${threshold}`);
  if (shares.length < threshold)
    throw new RangeError(`${shares.length} shares cannot reconstruct a ${threshold}-of-n secret`);
  const used = shares.slice(0, threshold);
  checkXs(used.map((share) => share.x));
  let secret = 0n;
  for (const [i, share] of used.entries()) {
    // λ_i(0) = Π_{j≠i} x_j / (x_j − x_i)
    let numerator = 1n;
    let denominator = 1n;
    for (const [j, other] of used.entries()) {
      if (i === j) continue;
      numerator = (numerator * BigInt(other.x)) % SHAMIR_PRIME;
      denominator = (denominator * mod(BigInt(other.x - share.x))) % SHAMIR_PRIME;
    }
    const lagrange = (numerator * invert(denominator, SHAMIR_PRIME)) % SHAMIR_PRIME;
    secret = (secret + toField(share.y, `share ${share.x}`) * lagrange) % SHAMIR_PRIME;
  }
  return toBytes32(secret);
}

/** 32 uniformly random bytes whose value is below P (rejection sampling; a retry has odds ~2^−224). */
export function randomFieldElement(): Uint8Array {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    if (bytesToBigInt(bytes) < SHAMIR_PRIME) return bytes;
  }
}

function toField(bytes: Uint8Array, what: string): bigint {
  if (bytes.length !== 32) throw new RangeError(`${what} must be 32 bytes, got ${bytes.length}`);
  const value = bytesToBigInt(bytes);
  if (value >= SHAMIR_PRIME) throw new RangeError(`${what} is not below the field prime`);
  return value;
}

function toBytes32(value: bigint): Uint8Array {
  return numberToBytes(value, { size: 32 });
}

function mod(value: bigint): bigint {
  const r = value % SHAMIR_PRIME;
  return r < 0n ? r + SHAMIR_PRIME : r;
}

function checkXs(xs: readonly number[]): void {
  const seen = new Set<number>();
  for (const x of xs) {
    // x = 0 would hand out f(0), the secret itself.
    if (!Number.isSafeInteger(x) || x < 1) throw new RangeError(`share x-coordinates are ≥ 1, got ${x}`);
    if (seen.has(x)) throw new RangeError(`x-coordinate ${x} appears twice`);
    seen.add(x);
  }
}
