import { randomFillSync } from 'node:crypto';

/**
 * Gaussian noise for differential privacy, from the operating system's CSPRNG (node:crypto) by
 * Box–Muller in float64, rounded to float32 when added to a Float32Array.
 *
 * Limitation: like TF Privacy's and Opacus' samplers, this is a floating-point sampler. Mironov
 * (2012, "On significance of the least significant bits for differential privacy") shows that the
 * low-order bits of floating-point noise can leak; a discrete Gaussian (Canonne, Kamath & Steinke
 * 2020) closes that hole. The analysis (the accountant) treats the noise as exactly Gaussian.
 */

/** Uniform doubles in [0, 1). */
export type UniformSource = () => number;

/** Standard normal doubles. */
export type NormalSource = () => number;

const TWO_POW_26 = 2 ** 26;
const TWO_POW_53 = 2 ** 53;

/**
 * Uniform doubles in [0, 1) with 53 random bits each, from `crypto.randomFillSync`, read
 * `bufferValues` doubles at a time.
 */
export function cryptoUniform(bufferValues = 4096): UniformSource {
  const words = new Uint32Array(bufferValues * 2);
  let next = words.length;
  return () => {
    if (next >= words.length) {
      randomFillSync(words);
      next = 0;
    }
    const high = words[next++]! >>> 5; // 27 bits
    const low = words[next++]! >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  };
}

/** Standard normal draws by the Box–Muller transform (both values of each pair are used). */
export function standardNormal(uniform: UniformSource = cryptoUniform()): NormalSource {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

let shared: NormalSource | undefined;

/** `length` draws of N(0, std²). */
export function gaussianNoise(length: number, std: number, random?: UniformSource): Float32Array {
  checkStd(std);
  const normal = normalFrom(random);
  const noise = new Float32Array(length);
  if (std === 0) return noise;
  for (let i = 0; i < length; i++) noise[i] = std * normal();
  return noise;
}

/**
 * A copy of `vector` with independent N(0, std²) noise added to each value (the sum is formed in
 * float64, then rounded to float32). `random` replaces the CSPRNG (for tests only).
 */
export function addGaussianNoise(vector: Float32Array, std: number, random?: UniformSource): Float32Array {
  checkStd(std);
  const out = Float32Array.from(vector);
  if (std === 0) return out;
  const normal = normalFrom(random);
  for (let i = 0; i < out.length; i++) out[i] = vector[i]! + std * normal();
  return out;
}

/** The process's shared CSPRNG-backed source, or one over the injected uniform source. */
function normalFrom(random: UniformSource | undefined): NormalSource {
  if (random !== undefined) return standardNormal(random);
  shared ??= standardNormal();
  return shared;
}

function checkStd(std: number): void {
  if (!(std >= 0) || !Number.isFinite(std))
    throw new RangeError(`noise std ${std} is not a finite number ≥ 0`);
}
