/**
 * The scheduler's view of the market, in plain numbers so that a placement among ten
 * thousand providers costs microseconds. The coordinator builds these from signed offers,
 * heartbeats and the chain; the simulator builds them from its synthetic providers. Both
 * drive the same `Scheduler`.
 */

/** Prices in token base units (floating point: exact charges are computed in bigint elsewhere). */
export interface UnitPrices {
  cpuSecond: number;
  gpuSecond: number;
  /** Per GiB of memory held for a second. */
  gbSecond: number;
  /** Per thousand LLM tokens (prompt plus completion). */
  kiloTokens: number;
}

export interface ProviderProfile {
  address: string;
  region: string;
  runtimes: readonly string[];
  /** Model names (or CIDs) the provider holds. */
  models: readonly string[];
  cpuCores: number;
  memoryMb: number;
  gpuCount: number;
  /** Lower-cased GPU model name, e.g. "nvidia h100 80gb hbm3"; "" without a GPU. */
  gpuModel: string;
  vramMb: number;
  prices: UnitPrices;
  /** Job sizes (declared maximum run seconds) the provider takes; maxJobSeconds 0 = no limit. */
  minJobSeconds: number;
  maxJobSeconds: number;
  /** Unix ms; availableUntil 0 = open-ended. */
  availableFrom: number;
  availableUntil: number;
  /** Bonded stake in token base units. */
  stake: number;
  /** Measured round trip from the coordinator, ms; undefined until measured. */
  rttMs?: number | undefined;
  /** 0..1, from verified outcomes; new providers start at 0.5. */
  reputation: number;
  /** 0..1: suspected of collusion or wash trading (integrity/collusion); placement counts it as risk. */
  suspicion?: number;
}

/** What a job needs and allows, from its signed spec. */
export interface JobRequest {
  id: string;
  runtime: string;
  /** What the runtime predictor groups durations by: the module or model CID. */
  kind: string;
  /** A model the provider must hold; "" for none. */
  model: string;
  cpuCores: number;
  memoryMb: number;
  vramMb: number;
  /** "" = no GPU; "any" = any GPU; otherwise a substring of the GPU model, e.g. "h100". */
  gpu: string;
  /** "" = anywhere. */
  region: string;
  /** 0 = no bound. */
  maxRttMs: number;
  /** Total the client pays at most, token base units. */
  maxPrice: number;
  /** For per-token runtimes (llm): the most tokens the job may process, prompt plus completion; else 0. */
  tokens: number;
  /** The job's size: the longest it may run, seconds. */
  maxSeconds: number;
  /** 0..1. */
  minReputation: number;
  /** Where the client is, for latency; "" = unknown. */
  clientRegion?: string;
}

export type ExclusionReason =
  | 'runtime'
  | 'model'
  | 'cores'
  | 'memory'
  | 'gpu'
  | 'vram'
  | 'region'
  | 'rtt'
  | 'size'
  | 'price'
  | 'stake'
  | 'reputation'
  | 'availability'
  | 'busy'
  | 'offline'
  | 'suspended'
  | 'excluded';

/**
 * Exclusions that pass: the provider could take the job once free, back online, inside its
 * hours or out of suspension. A job excluded only by the others can run nowhere as it is.
 */
export const PASSING_EXCLUSIONS: ReadonlySet<string> = new Set<ExclusionReason>([
  'busy',
  'offline',
  'suspended',
  'excluded',
  'availability',
]);

export type PolicyName = 'random' | 'cheapest' | 'learned';

/** How the scheduler judged one provider for one job: every term, so a decision explains itself. */
export interface CandidateScore {
  provider: string;
  /** What one second of the job's shape costs there, token base units. */
  pricePerSecond: number;
  /** Token base units the run is expected to cost. */
  expectedCost: number;
  /** Predicted run time on this provider, seconds. */
  expectedRunSeconds: number;
  /** Run time plus round trips plus the expected delay of a retry, seconds. */
  expectedCompletionSeconds: number;
  /** Probability that the provider drops out before the run ends. */
  failureProbability: number;
  /** Share of the provider's cores already held by other jobs. */
  load: number;
  /** The provider's suspicion of collusion (0..1), weighed like failure risk. */
  suspicion: number;
  /** Weighted terms; `score` is their sum and the lowest score wins. */
  terms: { cost: number; time: number; risk: number; load: number };
  score: number;
}

export interface PlacementDecision {
  policy: PolicyName;
  /** Eligible providers the policy compared. */
  considered: number;
  chosen: CandidateScore;
  /** The next best, at most three. */
  runnersUp: CandidateScore[];
}

export type PlacementOutcome =
  | { placed: true; provider: string; decision: PlacementDecision }
  | {
      placed: false;
      /** How many providers each constraint excluded (each provider counted once, for its first failing constraint). */
      reasons: Partial<Record<ExclusionReason, number>>;
      providers: number;
    };

/** Telemetry from a heartbeat, as the failure predictor reads it. */
export interface Telemetry {
  /** CPU load of the machine, 0..1 per core. */
  cpuLoad: number;
  /** Free memory, 0..1 of the total. */
  memoryFree: number;
  /** Hour of day at the provider, 0..24. */
  localHour: number;
}
