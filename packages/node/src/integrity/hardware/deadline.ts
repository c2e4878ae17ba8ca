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
