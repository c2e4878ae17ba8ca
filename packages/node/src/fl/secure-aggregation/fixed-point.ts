import type { Update } from '../vector-math.js';

/**
 * Fixed-point encoding of updates into the ring Z_{2^32}, where masks add and cancel exactly.
 *
 * A value x becomes round(clip(x, ±range) · scale), stored in two's complement in a Uint32Array.
 * The masked sum is decoded as a signed 32-bit integer, so it must stay in [−2^31, 2^31): with N
 * clients each contributing at most floor(range · scale) in magnitude, the bound is
 *
 *     N · floor(range · scale) ≤ 2^31 − 1     (which N · range · scale < 2^31 guarantees).
 *
 * Rounding costs at most 0.5/scale per value, so a sum of N clients is within N/(2·scale) of the
 * sum of the clipped floats.
 */
export const MAX_SUM_MAGNITUDE = 2 ** 31 - 1;

export interface FixedPoint {
  /** Multiplier from floats to ring integers. */
  scale: number;
  /** Values are clipped to [−range, range] before encoding. */
  range: number;
}

/** The largest scale at which the sum of `clients` updates clipped to ±`range` cannot overflow. */
export function fixedPointScaleFor({ clients, range }: { clients: number; range: number }): number {
  if (!Number.isInteger(clients) || clients < 1) throw new RangeError(`clients must be ≥ 1, got ${clients}`);
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`range must be > 0, got ${range}`);
  return Math.floor(MAX_SUM_MAGNITUDE / clients) / range;
}

/** Throws when a sum of `clients` encodings could overflow the signed 32-bit range. */
export function assertNoOverflow({ clients, scale, range }: FixedPoint & { clients: number }): void {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`scale must be > 0, got ${scale}`);
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`range must be > 0, got ${range}`);
  if (clients * magnitudeLimit({ scale, range }) > MAX_SUM_MAGNITUDE)
    throw new RangeError(
      `${clients} clients × range ${range} × scale ${scale} can overflow 2^31; ` +
        `use scale ≤ ${fixedPointScaleFor({ clients, range })}`,
    );
}

/** The clipped, scaled, rounded update in Z_{2^32}. NaN is refused: it has no place in a sum. */
export function encodeFixedPoint(values: Update, { scale, range }: FixedPoint): Uint32Array {
  const limit = magnitudeLimit({ scale, range });
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) throw new RangeError(`value ${i} is NaN`);
    // Clamp after rounding too, so that floating-point error in range·scale cannot exceed the bound.
    const scaled = Math.round(Math.min(range, Math.max(-range, value)) * scale);
    out[i] = Math.min(limit, Math.max(-limit, scaled)); // Uint32Array stores it mod 2^32: two's complement.
  }
  return out;
}

/** A (masked-and-unmasked) sum of encodings back to floats, read as signed 32-bit integers. */
export function decodeSum(sum: Uint32Array, scale: number): Float32Array {
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / scale;
  return out;
}

/** target += addend (mod 2^32), in place: a Uint32Array reduces what is stored mod 2^32. */
export function ringAddInto(target: Uint32Array, addend: Uint32Array): Uint32Array {
  checkLengths(target, addend);
  for (let i = 0; i < target.length; i++) target[i]! += addend[i]!;
  return target;
}

/** target −= subtrahend (mod 2^32), in place. */
export function ringSubInto(target: Uint32Array, subtrahend: Uint32Array): Uint32Array {
  checkLengths(target, subtrahend);
  for (let i = 0; i < target.length; i++) target[i]! -= subtrahend[i]!;
  return target;
}

/** a + b (mod 2^32), a new array. */
export function ringAdd(a: Uint32Array, b: Uint32Array): Uint32Array {
  return ringAddInto(Uint32Array.from(a), b);
}

/** a − b (mod 2^32), a new array. */
export function ringSub(a: Uint32Array, b: Uint32Array): Uint32Array {
  return ringSubInto(Uint32Array.from(a), b);
}

function magnitudeLimit({ scale, range }: FixedPoint): number {
  return Math.floor(range * scale);
}

function checkLengths(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new RangeError(`vectors of ${a.length} and ${b.length} values`);
}
