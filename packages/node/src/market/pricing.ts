import type { JobSpec, Offer } from '@idlegrid/protocol';
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

/**
 * What the client pays for a run, exactly (bigint): the seconds it ran times the offer's
 * prices for the job's shape (cores, GiB of memory held, a GPU if it asked for one),
 * rounded up to a base unit, and never above the job's max price.
 */
export function chargeFor(spec: JobSpec, offer: Offer, durationMs: number): bigint {
  const perKibiSecond =
    offer.pricePerCpuSecond * BigInt(Math.max(1, spec.cpuCores)) * 1024n +
    offer.pricePerGbSecond * BigInt(spec.memoryMb) +
    (spec.gpuClass === '' ? 0n : offer.pricePerGpuSecond * 1024n);
  const divisor = 1000n * 1024n;
  const charge = (BigInt(Math.ceil(durationMs)) * perKibiSecond + divisor - 1n) / divisor;
  return charge < spec.maxPrice ? charge : spec.maxPrice;
}
