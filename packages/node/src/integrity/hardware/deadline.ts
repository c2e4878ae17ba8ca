/**
 * How much slower than the coordinator's own core a provider's cores may be and still pass:
 * machines differ (an old laptop against a new server), and a claim inflated K times takes K
 * times as long. 2.5 lets honest cores down to 40% of the coordinator's speed pass and catches
 * a claim inflated 3 times or more on cores as fast as the coordinator's.
 */
export const CPU_SLACK = 2.5;
/** Starting one thread per lane, and the answer's signature. */
export const CPU_STARTUP_MS = 250;

/** The time a CPU challenge may take, from sending it to its answer's arrival. */
export function cpuDeadlineMs(referenceLaneMs: number, rttMs: number): number {
  return CPU_SLACK * referenceLaneMs + CPU_STARTUP_MS + rttMs;
}

/**
 * Cores as fast as the coordinator's may count in full down to this share of its speed (0.8);
 * slower ones count for less. The deadline alone cannot tell a claim inflated twice on fast cores
 * from an honest machine with half-speed cores: both take twice the reference time. Counting what
 * the timing proves treats them alike, as the capacity they deliver.
 */
export const CAPACITY_TOLERANCE = 1.25;

/**
 * The cores a CPU challenge's timing proves, in cores as fast as the coordinator's: `lanes`
 * lanes of `referenceMs` each took `elapsedMs` (less the round trip) on the provider. Never more
 * than claimed, never less than one.
 */
export function provenCores(input: {
  claimed: number;
  lanes: number;
  referenceMs: number;
  elapsedMs: number;
  rttMs: number;
}): number {
  const computeMs = Math.max(1, input.elapsedMs - input.rttMs);
  const cores = Math.floor((CAPACITY_TOLERANCE * input.lanes * input.referenceMs) / computeMs);
  return Math.max(1, Math.min(input.claimed, cores));
}

/** A GPU's products may take this many times the claimed card's datasheet time (clocks, memory, launches). */
export const GPU_SLACK = 3;
/** The slowest host-to-card link we expect (PCIe 3.0 x4), for the two input matrices. */
const LINK_BYTES_PER_MS = 2e6;

export interface GpuDeadlineInput {
  /** The coordinator's own time to generate one of the two input matrices. */
  referenceMatrixMs: number;
  /** Matrix size and products of the challenge. */
  size: number;
  products: number;
  /** The claimed card's float32 TFLOPS (gpu-cards.ts). */
  tflops: number;
  rttMs: number;
}

/**
 * The time a GPU challenge may take: the CPU part (generating A and B, with the CPU slack), the K
 * products at the claimed card's speed (with the GPU slack), copying A and B to the card, and
 * the fixed start-up. A CPU that stands in for the GPU needs K·2n³ operations at CPU speed
 * instead: tens of times the GPU part.
 */
export function gpuDeadlineMs(input: GpuDeadlineInput): number {
  const { size, products } = input;
  const productsMs = (GPU_SLACK * products * 2 * size ** 3) / (input.tflops * 1e9);
  const copyMs = (2 * 4 * size * size) / LINK_BYTES_PER_MS;
  return CPU_SLACK * 2 * input.referenceMatrixMs + productsMs + copyMs + CPU_STARTUP_MS + input.rttMs;
}
