import type fc from 'fast-check';

/**
 * How long the fuzzers run. By default each property runs its CI budget of cases (a few
 * minutes for all fuzz tests together); `FUZZ_RUNS=10` runs ten times as many cases,
 * `FUZZ_SECONDS=300` runs each property for that long instead (however many cases fit), and
 * `FUZZ_SEED` replays the cases of an earlier run (fast-check prints its seed on failure).
 */
const factor = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);
const seconds = Number(process.env.FUZZ_SECONDS ?? 0) || 0;
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** fast-check parameters for a property whose CI budget is `runs` cases. */
export function fuzzParameters<T>(runs: number): fc.Parameters<T> {
  return {
    numRuns: seconds > 0 ? Number.MAX_SAFE_INTEGER : runs * factor,
    ...(seconds > 0 ? { interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false } : {}),
    ...(seed === undefined ? {} : { seed }),
    endOnFailure: true,
  };
}

/** Scales a count of repetitions (a burst, a flood) like the number of cases. */
export function fuzzCount(count: number): number {
  return count * factor;
}

/** A test's timeout for a property whose CI budget takes about `ms`, room for FUZZ_RUNS or FUZZ_SECONDS. */
export function fuzzTimeout(ms: number): number {
  return Math.max(ms * factor, seconds * 1000 + ms);
}
