/**
 * The coordinator's answers as the dashboard reads them: wire JSON, so token amounts and
 * other big integers arrive as decimal strings.
 */
import type { DropoutRisk, HardwareClaim } from '@idlegrid/sdk/browser';

export type Address = `0x${string}`;

export interface Offer {
  provider: Address;
  region: string;
  runtimes: string[];
  models: string[];
  cpuCores: number;
  memoryMb: number;
  gpuCount: number;
  gpuModel: string;
  vramMb: number;
  pricePerCpuSecond: string;
  availableFrom: string;
  availableUntil: string;
  /** Unix seconds: when the offer lapses unless renewed. */
  expiry: string;
}

export interface Heartbeat {
  cpuLoadPermille: number;
  memoryFreeMb: number;
  activeJobs: number;
}

export interface Provider {
  address: Address;
  online: boolean;
  offer: Offer;
  lastSeen: number;
  heartbeat: Heartbeat | null;
  activeJobs: number;
  reputation: number;
  suspendedUntil: number | null;
  jobsCompleted: number;
  jobsFailed: number;
  stake: string | null;
  rttMs: number | null;
  earned: string;
  /** Its predicted drop-out risk, against its usual level, and why. */
  risk: DropoutRisk;
  /** Its hardware claims, as proof-of-hardware challenges left them. */
  claims: HardwareClaim[];
}

export interface TelemetryPoint extends Heartbeat {
  at: number;
}

export interface ProviderDetail extends Provider {
  telemetry: TelemetryPoint[];
}

export interface Stats {
  providers: { known: number; online: number };
  jobs: Record<string, number>;
  jobsPerSecond: number;
  acceptedPerSecond: number[];
  tokensPaid: string;
}

export interface SignedSpec {
  message: {
    runtime: string;
    moduleCid: string;
    args: string[];
    maxPrice: string;
    verification: string;
    region: string;
    inputCids: string[];
    /** `private`: its inputs and outputs are sealed (only its client and leased providers read them). */
    privacy: string;
  };
}

/** One provider's copy of an erased artifact: told when, confirmed (by its signed receipt) when. */
export interface ErasureNotice {
  provider: Address;
  requestedAt: number;
  confirmedAt: number | null;
  receipt: unknown;
}

export interface Job {
  id: string;
  client: Address;
  state: string;
  spec: SignedSpec;
  provider: Address | null;
  price: string | null;
  attempt: number;
  maxAttempts: number;
  resultCid: string | null;
  error: { code: string; message: string } | null;
  deadline: number;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export type { JobEvent, Placement } from '@idlegrid/sdk/browser';

export interface NetworkInfo {
  chainId: number;
  token: Address;
  coordinatorRegistry: Address;
  staking: Address;
  paymentChannels: Address;
  coordinator: Address;
  readsChain: boolean;
  /** The other coordinators of the mesh, and the providers joined to them. */
  mesh: {
    coordinators: { address: Address; apiUrl: string; providers: number; seenAt: number }[];
    providers: { address: Address; region: string; seenAt: number }[];
  };
}

export interface LedgerAccount {
  address: Address;
  eth: string;
  tokens: string;
  deposit: string;
  stakeBonded: string;
  stakeUnbonding: string;
}

export interface LedgerEvent {
  contract: 'staking' | 'paymentChannels';
  name: string;
  blockNumber: string;
  transactionHash: string;
  args: Record<string, string>;
}

export interface Channel {
  client: Address;
  provider: Address;
  vouchered: string;
  voucherNonce: string;
  redeemed: string;
  redeemedNonce: string;
}

export interface Ledger {
  blockNumber: string;
  accounts: LedgerAccount[];
  events: LedgerEvent[];
  channels: Channel[];
}

/** A closed round of a federated run (`GET /v1/fl/runs/:id`). */
export interface FlRound {
  round: number;
  participants: { provider: Address; examples: number; loss: number | null }[];
  dropped: Address[];
  paid: Address[];
  rejected: { provider: Address; code: string; reason: string }[];
  outliers: Address[];
  loss: number | null;
  epsilon: number | null;
  /** The client's accuracy and loss on its own held-out test set, sent with its payment. */
  evaluation?: { accuracy: number; loss: number };
  closedAt: number;
}

export interface FlRun {
  id: string;
  client: Address;
  state: 'running' | 'completed' | 'failed';
  reason: string | null;
  dataset: string;
  settings: {
    rounds: number;
    clientsPerRound: number;
    minClients: number;
    strategy: string;
    secureAggregation: boolean;
    dp?: { level: string; epsilon: number; delta: number };
  };
  pricePerUpdate: string;
  roundsDone: number;
  rounds: FlRound[];
  createdAt: number;
}

export interface FeedSummary {
  feed: string;
  devices: number;
  readings: number;
  rewardable: number;
  owed: string;
  paid: string;
}

export interface FeedDevice {
  device: string;
  owner: string;
  kind: string;
  reputation: number;
  scored: number;
  rewardable: number;
}

export interface FeedReading {
  device: string;
  seq: number;
  t: number;
  cell: string;
  v: Record<string, number>;
  quality?: { score: number; rewardable: boolean; reason?: string };
}

/** `/v1/governance`: the parameters governance owns, and its proposals with their forecasts. */
export interface GovernanceInfo {
  governor: Address;
  timelock: Address;
  parameters: {
    feeBps: number;
    stakeFloorMultiplier: number;
    unbondingDelaySeconds: number;
    challengerShareBps: number;
    defaultVerification: { kind: string; probability?: number; replicas?: number };
  };
  proposals: GovernanceProposal[];
}

export interface GovernanceProposal {
  id: string;
  proposer: Address;
  state: string;
  title: string;
  voteStart: string;
  voteEnd: string;
  votes: { for: string; against: string; abstain: string; quorum: string; eta: string };
  forecast?: {
    hash: string;
    intact: boolean;
    rows: { label: string; now: string; proposed: string; change: string }[];
  };
}
