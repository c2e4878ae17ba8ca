import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorClient } from '@idlegrid/sdk';
import { generatePrivateKey } from 'viem/accounts';
import { offChainNetwork } from '../api/testing.js';
import { type CoordinatorOptions, type RunningCoordinator, startCoordinator } from './coordinator.js';

export interface OffChainCoordinator {
  coordinator: RunningCoordinator;
  client: CoordinatorClient;
  dataDir: string;
  stop(): Promise<void>;
}

/** A real coordinator in this process, in a fresh data directory, reading no chain (test helper). */
export async function startOffChainCoordinator(
  name: string,
  options: Pick<
    CoordinatorOptions,
    'feedScoring' | 'feedCellPrecision' | 'hardwareChallenges' | 'sybilScanMs' | 'healthPort'
  > = {},
): Promise<OffChainCoordinator> {
  const dataDir = await mkdtemp(join(tmpdir(), `idlegrid-${name}-`));
  const coordinator = await startCoordinator({
    dataDir,
    network: offChainNetwork,
    privateKey: generatePrivateKey(),
    p2pListen: ['/ip4/127.0.0.1/tcp/0'],
    chainChecks: false,
    // Tests of proof of hardware turn it on; elsewhere a slow answer on a busy test machine would change what the test measures.
    hardwareChallenges: false,
    ...options,
  });
  return {
    coordinator,
    client: new CoordinatorClient({ url: coordinator.apiUrl }),
    dataDir,
    async stop() {
      await coordinator.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
