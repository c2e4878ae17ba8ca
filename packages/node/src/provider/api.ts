import type { NetworkConfig } from '@idlegrid/sdk';
import type { Hex } from 'viem';
import type { Adversary } from './adversary.js';
import type { AvailabilityPolicy } from './availability.js';
import type { EarningsSummary, EarningsWallet, Redemption } from './earnings.js';
import type { Hardware, HardwareOverrides } from './hardware.js';
import type { LoadSample } from './load.js';
import type { ModelRegistry } from './model-registry.js';

export interface ProviderOptions {
  dataDir: string;
  /** Where this provider's `datasets.json` is (default: the data directory, shared by its providers). */
  datasetsDir?: string;
  /** How long a private job's run waits for its client's keys before it fails with LEASE_KEYS_MISSING (30 s). */
  leaseKeysTimeoutMs?: number;
  /** Multiaddr of the coordinator, ending in /p2p/<peer id>. */
  coordinator: string;
  /** Other coordinators of its mesh, joined in turn when the one joined cannot be (the mesh names more). */
  fallbackCoordinators?: readonly string[];
  /**
   * Joins, and takes assignments from, only coordinators active in the network's
   * CoordinatorRegistry, and finds more there when none it knows answers (default true).
   * Off where no chain backs the network (benchmarks, tests).
   */
  chainChecks?: boolean;
  /** Key file name in DATA_DIR/keys (created on first start); `provider` by default. */
  name?: string;
  /** Uses this key instead of a key file. */
  privateKey?: Hex;
  /** The network whose domain signs every message; read from DATA_DIR/network.json when absent. */
  network?: NetworkConfig;
  listen?: readonly string[];
  /** Token base units per CPU-second (0.0001 token by default). */
  pricePerCpuSecond?: bigint;
  pricePerGpuSecond?: bigint;
  /** Per GiB of memory a job holds, per second (0 by default). */
  pricePerGbSecond?: bigint;
  /** Per thousand LLM tokens (0 by default). */
  pricePer1kTokens?: bigint;
  /** Smallest job (its declared maxSeconds) taken; 0 by default. */
  minJobSeconds?: number;
  region?: string;
  availability?: AvailabilityPolicy;
  hardware?: HardwareOverrides;
  /** The models served; DATA_DIR/models.json (`idlegrid model add`) when absent. */
  models?: ModelRegistry;
  heartbeatIntervalMs?: number;
  /** Lifetime of each offer; it is refreshed well before it lapses (600 s by default). */
  offerTtlSeconds?: number;
  /** No job runs longer than this, whatever its deadline (10 minutes by default); offered as the largest job size. */
  maxWallTimeMs?: number;
  /** Redeem on-chain once unredeemed vouchers reach this many base units; never automatically when absent. */
  redeemThreshold?: bigint;
  onEvent?: (event: ProviderEvent) => void;
  /** A cheating mode for verification tests (see adversary.ts); never set in normal use. */
  adversary?: Adversary;
  /** Injected clock and load, for tests of the availability policy. */
  now?: () => Date;
  sampleLoad?: () => LoadSample;
}

export type ProviderEvent =
  | { type: 'connected'; coordinator: string; apiUrl: string }
  | { type: 'disconnected'; error: string }
  | { type: 'availability'; available: boolean }
  | { type: 'job.refused'; jobId: string | undefined; code: string; reason: string }
  | { type: 'job.started'; jobId: string }
  | { type: 'hardware.challenged'; challengeId: string; ms: number }
  | { type: 'job.finished'; jobId: string; exitCode: number; durationMs: number }
  | { type: 'job.cancelled'; jobId: string }
  | { type: 'artifact.erased'; cid: string }
  | { type: 'fl.round'; runId: string; round: number; examples: number }
  | { type: 'fl.refused'; code: string; reason: string }
  | { type: 'job.unreported'; jobId: string; error: string }
  | { type: 'payment'; client: string; increase: bigint }
  | { type: 'redeemed'; redemption: Redemption }
  | { type: 'error'; where: string; error: string };

export interface ProviderStats {
  jobsRun: number;
  jobsFailed: number;
  jobsCancelled: number;
  activeJobs: number;
  available: boolean;
  connected: boolean;
  earnings: EarningsSummary;
}

export interface ProviderDaemon {
  address: `0x${string}`;
  peerId: string;
  /** Where it listens for p2p connections (its relayed addresses once it holds a reservation). */
  multiaddrs(): string[];
  hardware: Hardware;
  earnings: EarningsWallet;
  stats(): ProviderStats;
  stop(): Promise<void>;
}
