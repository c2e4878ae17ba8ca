import {
  type PolicyName,
  parseAdversary,
  type RunningCoordinator,
  startCoordinator,
  startProvider,
} from '@idlegrid/node';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Hex } from 'viem';
import { recordProcessStats } from './process-stats.js';

/**
 * One node of the network benchmark in its own process, as in a real deployment:
 *   node network-node.js [--json] coordinator|provider CONFIG_JSON
 * Prints one JSON line once it serves, and stops on SIGTERM or when its parent's pipe closes.
 */
export interface CoordinatorNodeConfig {
  dataDir: string;
  network: NetworkConfig;
  privateKey: Hex;
  tickMs: number;
  placementPolicy?: PolicyName;
  /** Other coordinators' p2p multiaddrs: the mesh it joins. */
  peers?: string[];
  feedScoring?: { intervalMs?: number; settleMs?: number; thread?: 'worker' | 'here' };
}

export interface ProviderNodeConfig {
  dataDir: string;
  network: NetworkConfig;
  privateKey: Hex;
  coordinator: string;
  /** Coordinators it joins when it cannot join `coordinator`. */
  fallbackCoordinators?: string[];
  cpuCores: number;
  heartbeatIntervalMs: number;
  region?: string;
  /** For the verification benchmark: how this provider cheats (provider/adversary.ts). */
  adversary?: string;
}

const [role, json] = process.argv.slice(2).filter((arg) => arg !== '--json');
// The soak benchmark reads each node's memory and event-loop delay over time.
if (process.env.IDLEGRID_BENCH_STATS_DIR) recordProcessStats(process.env.IDLEGRID_BENCH_STATS_DIR, role!);
let stop: () => Promise<void>;
if (role === 'coordinator') {
  const config = JSON.parse(json!) as CoordinatorNodeConfig;
  const coordinator: RunningCoordinator = await startCoordinator({
    ...config,
    p2pListen: ['/ip4/127.0.0.1/tcp/0'],
    // No chain here: skip the deposit check (a chain read per submission) with the payments.
    chainChecks: false,
    // The throughput measured is the job path's: no proof-of-hardware lanes beside it.
    hardwareChallenges: false,
    // /healthz on a port of its own too: the soak probes both.
    healthPort: 0,
  });
  stop = () => coordinator.stop();
  console.log(
    JSON.stringify({
      apiUrl: coordinator.apiUrl,
      healthUrl: coordinator.healthUrl,
      p2p: coordinator.p2pAddrs[0],
    }),
  );
} else if (role === 'provider') {
  const config = JSON.parse(json!) as ProviderNodeConfig;
  const provider = await startProvider({
    dataDir: config.dataDir,
    coordinator: config.coordinator,
    ...(config.fallbackCoordinators ? { fallbackCoordinators: config.fallbackCoordinators } : {}),
    network: config.network,
    privateKey: config.privateKey,
    // No chain here: no registry to check coordinators against.
    chainChecks: false,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    hardware: { cpuCores: config.cpuCores, memoryMb: 32_768, gpus: [] },
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    ...(config.region ? { region: config.region } : {}),
    ...(config.adversary ? { adversary: parseAdversary(config.adversary) } : {}),
  });
  stop = () => provider.stop();
  console.log(JSON.stringify({ address: provider.address }));
} else {
  throw new Error(`unknown role ${role}`);
}

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void stop().finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.stdin.once('close', shutdown);
process.stdin.resume();
