import type { JobSpec, Offer } from '@idlegrid/protocol';
import { tokenBudgetOf } from '@idlegrid/protocol/llm';
import type { JobRecord } from '../jobs/api.js';
import { jobSeconds } from '../jobs/job-size.js';
import { isModelRuntime, parseModelListing } from '../market/model-listing.js';
import type { JobRequest, ProviderProfile } from '../scheduler/api.js';

/** What the coordinator knows of a provider besides its signed offer. */
export interface ProviderFacts {
  /** Bonded stake read from the chain; undefined when the coordinator runs without chain checks. */
  stake: bigint | undefined;
  rttMs: number | undefined;
  reputation: number;
  /** What proof of hardware left of its claims, where a challenge failed them (HardwareClaims.proven). */
  proven?: { cpuCores?: number; gpuCount?: number };
  suspicion?: number;
}

/** The scheduler's numeric view of a signed offer. */
export function profileOf(offer: Offer, facts: ProviderFacts): ProviderProfile {
  return {
    address: offer.provider,
    region: offer.region,
    runtimes: offer.runtimes,
    // Matched by CID: a name says what a model is called, only the hash says which weights.
    models: offer.models.flatMap((entry) => parseModelListing(entry)?.cid ?? []),
    cpuCores: facts.proven?.cpuCores ?? offer.cpuCores,
    memoryMb: offer.memoryMb,
    gpuCount: facts.proven?.gpuCount ?? offer.gpuCount,
    gpuModel: offer.gpuModel.toLowerCase(),
    vramMb: offer.vramMb,
    prices: {
      cpuSecond: Number(offer.pricePerCpuSecond),
      gpuSecond: Number(offer.pricePerGpuSecond),
      gbSecond: Number(offer.pricePerGbSecond),
      kiloTokens: Number(offer.pricePer1kTokens),
    },
    minJobSeconds: offer.minJobSeconds,
    maxJobSeconds: offer.maxJobSeconds,
    availableFrom: Number(offer.availableFrom) * 1000,
    availableUntil: Number(offer.availableUntil) * 1000,
    stake: facts.stake === undefined ? Number.POSITIVE_INFINITY : Number(facts.stake),
    rttMs: facts.rttMs,
    reputation: facts.reputation,
    ...(facts.suspicion ? { suspicion: facts.suspicion } : {}),
  };
}

/** The scheduler's view of a job: its spec's needs and bounds. */
/**
 * `modelShipped`: the client uploaded the job's model to the coordinator, so any provider
 * running the runtime can fetch it; otherwise a model job needs a provider listing its CID.
 */
export function jobRequestOf(
  job: Pick<JobRecord, 'id'>,
  spec: JobSpec,
  options: { modelShipped?: boolean } = {},
): JobRequest {
  return {
    id: job.id,
    runtime: spec.runtime,
    kind: spec.moduleCid,
    model: isModelRuntime(spec.runtime) && !options.modelShipped ? spec.moduleCid : '',
    cpuCores: spec.cpuCores,
    memoryMb: spec.memoryMb,
    vramMb: spec.vramMb,
    gpu: spec.gpuClass,
    region: spec.region,
    maxRttMs: spec.maxRttMs,
    maxPrice: Number(spec.maxPrice),
    tokens: spec.runtime === 'llm' ? tokenBudgetOf(spec.args) : 0,
    maxSeconds: jobSeconds(spec),
    minReputation: spec.minReputation / 1000,
  };
}
