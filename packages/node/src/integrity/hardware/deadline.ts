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
