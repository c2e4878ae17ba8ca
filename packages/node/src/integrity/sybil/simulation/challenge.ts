/** The CPU challenge's timing, as the proof-of-hardware challenge runs it. */

/** One lane of reference work on one reference core (ms). */
export const LANE_MS = 500;
/** The deadline allows this many reference lane times (a 0.5x core still passes), plus the round trip. */
export const DEADLINE_LANES = 3;

export interface ChallengeMachine {
  cores: number;
  speed: number;
}

/**
 * Compute time of a challenge on one machine: `lanes` lanes (the sum of every identity's lanes
 * when several on the machine are challenged at once) in waves of `cores`, slowed by its load.
 */
export function challengeComputeMs(
  machine: ChallengeMachine,
  lanes: number,
  load: number,
  noise: number,
): number {
  return ((Math.ceil(lanes / machine.cores) * LANE_MS) / machine.speed) * (1 + 0.3 * load) * noise;
}

export function challengeDeadlineMs(expectedRttMs: number): number {
  return DEADLINE_LANES * LANE_MS + expectedRttMs;
}

/**
 * The GPU challenge, as a fraction of its deadline: a real GPU answers in 30-80% of it; a fake
 * one answers on CPU, 50-200x slower than the deadline allows.
 */
export function gpuChallengePasses(
  claimedGpus: number,
  realGpus: number,
  random: { between(low: number, high: number): number },
): boolean {
  const fraction = claimedGpus > realGpus ? random.between(50, 200) : random.between(0.3, 0.8);
  return fraction <= 1;
}
