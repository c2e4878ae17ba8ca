import type { JobRequest, UnitPrices } from '../scheduler/api.js';

/** What one second of this job's shape costs at these prices (cores, memory held, one GPU if asked). */
export function costPerSecond(
  prices: UnitPrices,
  job: Pick<JobRequest, 'cpuCores' | 'memoryMb' | 'gpu'>,
): number {
  return (
    prices.cpuSecond * Math.max(1, job.cpuCores) +
    (prices.gbSecond * job.memoryMb) / 1024 +
    (job.gpu === '' ? 0 : prices.gpuSecond)
  );
}
