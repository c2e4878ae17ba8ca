import type { JobSpec, Offer, ResultManifest } from '@idlegrid/protocol';
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
 * What the job is expected to cost on these prices if it runs `seconds`, in floating point for
 * ranking: a job with a token budget (llm) at most its budget at the price per thousand tokens,
 * any other by the second.
 */
export function expectedCost(
  prices: UnitPrices,
  job: Pick<JobRequest, 'tokens' | 'cpuCores' | 'memoryMb' | 'gpu'>,
  seconds: number,
): number {
  return job.tokens > 0 ? (prices.kiloTokens * job.tokens) / 1000 : costPerSecond(prices, job) * seconds;
}

/**
 * What the client pays for a run, exactly (bigint), never above the job's max price:
 * - per token (`llm`): the tokens it processed, prompt plus completion, at the offer's price per
 *   thousand, rounded up to a base unit;
 * - otherwise per second: the seconds it ran times the offer's prices for the job's shape
 *   (cores, GiB of memory held, a GPU if it asked for one), rounded up to a base unit.
 */
export function chargeFor(
  spec: JobSpec,
  offer: Offer,
  run: Pick<ResultManifest, 'durationMs' | 'tokens'>,
): bigint {
  const charge =
    spec.runtime === 'llm' ? tokenCharge(offer, run.tokens ?? 0) : timeCharge(spec, offer, run.durationMs);
  // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.min does not take
  return charge < spec.maxPrice ? charge : spec.maxPrice;
}

function tokenCharge(offer: Offer, tokens: number): bigint {
  return (BigInt(tokens) * offer.pricePer1kTokens + 999n) / 1000n;
}

function timeCharge(spec: JobSpec, offer: Offer, durationMs: number): bigint {
  const perKibiSecond =
    offer.pricePerCpuSecond * BigInt(Math.max(1, spec.cpuCores)) * 1024n +
    offer.pricePerGbSecond * BigInt(spec.memoryMb) +
    (spec.gpuClass === '' ? 0n : offer.pricePerGpuSecond * 1024n);
  const divisor = 1000n * 1024n;
  return (BigInt(Math.ceil(durationMs)) * perKibiSecond + divisor - 1n) / divisor;
}
