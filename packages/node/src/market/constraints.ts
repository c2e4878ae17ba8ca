import type { ExclusionReason, JobRequest, ProviderProfile } from '../scheduler/api.js';

/** What the hard constraints read besides the job and the offer. */
export interface ConstraintContext {
  nowMs: number;
  /** A provider's stake must be at least the job's value (max price) times this. */
  stakeFactor: number;
  /** The job's expected cost on this provider (for the price check, the only one that needs a prediction). */
  expectedCost: (provider: ProviderProfile) => number;
}

/**
 * Why a provider cannot take the job, or undefined if it can (capacity aside: `busy` is the
 * scheduler's, since it depends on what else runs there). Checked in a fixed order, so each
 * provider counts once, under its first failing constraint, in an unmatched job's explanation.
 */
export function exclusionOf(
  job: JobRequest,
  provider: ProviderProfile,
  context: ConstraintContext,
): ExclusionReason | undefined {
  if (!provider.runtimes.includes(job.runtime)) return 'runtime';
  if (job.model !== '' && !provider.models.includes(job.model)) return 'model';
  if (provider.cpuCores < Math.max(1, job.cpuCores)) return 'cores';
  if (provider.memoryMb < job.memoryMb) return 'memory';
  if (job.gpu !== '' && !gpuMatches(job.gpu, provider)) return 'gpu';
  if (job.vramMb > 0 && provider.vramMb < job.vramMb) return 'vram';
  if (job.region !== '' && provider.region !== job.region) return 'region';
  if (job.maxRttMs > 0 && !(provider.rttMs !== undefined && provider.rttMs <= job.maxRttMs)) return 'rtt';
  if (
    job.maxSeconds < provider.minJobSeconds ||
    (provider.maxJobSeconds > 0 && job.maxSeconds > provider.maxJobSeconds)
  ) {
    return 'size';
  }
  if (context.expectedCost(provider) > job.maxPrice) return 'price';
  if (provider.stake < job.maxPrice * context.stakeFactor) return 'stake';
  if (provider.reputation < job.minReputation) return 'reputation';
  if (
    context.nowMs < provider.availableFrom ||
    (provider.availableUntil !== 0 && context.nowMs > provider.availableUntil)
  ) {
    return 'availability';
  }
  return undefined;
}

/** "any" takes any GPU; anything else must appear in the model name ("h100", "rtx 4090"). */
export function gpuMatches(gpu: string, provider: Pick<ProviderProfile, 'gpuCount' | 'gpuModel'>): boolean {
  if (provider.gpuCount < 1) return false;
  return gpu === 'any' || provider.gpuModel.includes(gpu.toLowerCase());
}
