import { performance } from 'node:perf_hooks';
import { type PolicyName, Scheduler } from '@idlegrid/node';
import { generateJobs, generateProviders, latencyMs, Random } from '@idlegrid/node/sim';

export interface ThroughputResult {
  policy: PolicyName;
  providers: number;
  placements: number;
  perSecond: number;
  /** Share of all cores in use while measuring. */
  utilisation: number;
  /** Placements that found no provider with room (each scanned every provider to explain why). */
  unmatchedShare: number;
}

/**
 * Placements per second at steady state: the network is filled to `fill` of its cores, then
 * each placement is followed by the release of a random running job of the same runtime.
 * Counted: the time spent inside the scheduler (placing and releasing), not the benchmark's
 * own bookkeeping. The scheduler's clock is
 * the real one, so its index is re-sorted as often as it would be in a coordinator.
 */
export function measurePlacementThroughput(
  policy: PolicyName,
  providerCount: number,
  placements: number,
  fill = 0.3,
): ThroughputResult {
  const random = new Random(7);
  const providers = generateProviders(providerCount, random);
  const jobs = generateJobs(50_000, 86_400_000, random).map((job) => job.request);
  const scheduler = new Scheduler({
    policy,
    random: random.next,
    latencyMs: (job, profile) => latencyMs(job.clientRegion ?? profile.region, profile.region),
  });
  const clock = () => performance.now();
  for (const provider of providers) scheduler.upsertProvider(provider.profile, clock());
  // Some history, so that the learned policy has predictions to compute.
  for (let i = 0; i < 20_000; i++) {
    const job = jobs[i % jobs.length]!;
    const outcome = scheduler.place({ ...job, id: `warm-${i}` }, clock());
    if (outcome.placed) scheduler.recordCompletion(`warm-${i}`, 10 + 50 * random.next());
  }
  const totalCores = providers.reduce((sum, p) => sum + p.profile.cpuCores, 0);
  // Running jobs per runtime: each placement releases one of its own runtime, so the use of
  // every resource (GPUs included) stays where the fill left it.
  const running = new Map<string, { id: string; cores: number }[]>();
  let usedCores = 0;
  let n = 0;
  let unmatched = 0;
  let schedulerMs = 0;
  const placeOne = (): boolean => {
    const job = jobs[n % jobs.length]!;
    const id = `job-${n++}`;
    const request = { ...job, id };
    const started = performance.now();
    const outcome = scheduler.place(request, started);
    schedulerMs += performance.now() - started;
    if (!outcome.placed) {
      unmatched++;
      return false;
    }
    const cores = Math.max(1, job.cpuCores);
    const list = running.get(job.runtime) ?? [];
    list.push({ id, cores });
    running.set(job.runtime, list);
    usedCores += cores;
    return true;
  };
  const releaseOne = (runtime: string) => {
    const list = running.get(runtime)!;
    const index = Math.floor(random.next() * list.length);
    const { id, cores } = list[index]!;
    list[index] = list[list.length - 1]!;
    list.pop();
    usedCores -= cores;
    const started = performance.now();
    scheduler.release(id);
    schedulerMs += performance.now() - started;
  };
  while (usedCores < fill * totalCores && n < 2_000_000) placeOne();
  // Three rounds; the median is reported (the first also finishes warming the JIT).
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    unmatched = 0;
    schedulerMs = 0;
    for (let i = 0; i < placements; i++) {
      const runtime = jobs[n % jobs.length]!.runtime;
      if (placeOne()) releaseOne(runtime);
    }
    rounds.push(schedulerMs / 1000);
  }
  const seconds = rounds.sort((a, b) => a - b)[1]!;
  return {
    policy,
    providers: providerCount,
    placements,
    perSecond: placements / seconds,
    utilisation: usedCores / totalCores,
    unmatchedShare: unmatched / placements,
  };
}
