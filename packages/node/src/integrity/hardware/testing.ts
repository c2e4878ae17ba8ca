import { join } from 'node:path';
import { getProvider, type ProviderStatus } from '@idlegrid/sdk';
import { offChainNetwork } from '../../api/testing.js';
import type { OffChainCoordinator } from '../../coordinator/testing.js';
import type { ProviderDaemon, ProviderOptions } from '../../provider/api.js';
import { startProvider } from '../../provider/daemon.js';

/** A provider of the proof-of-hardware tests: one core claimed unless `extra` says otherwise (test helper). */
export function joinTestProvider(
  coordinator: OffChainCoordinator,
  dataDir: string,
  name: string,
  extra: Partial<ProviderOptions> = {},
): Promise<ProviderDaemon> {
  return startProvider({
    dataDir: join(dataDir, name),
    coordinator: coordinator.coordinator.p2pAddrs[0]!,
    network: offChainNetwork,
    chainChecks: false,
    heartbeatIntervalMs: 200,
    hardware: { cpuCores: 1, memoryMb: 2048 },
    ...extra,
  });
}

/** The provider's status once `done` holds, asked every 250 ms; fails after `timeoutMs` with its claims. */
export async function statusWhen(
  coordinator: OffChainCoordinator,
  address: string,
  done: (status: ProviderStatus) => boolean,
  timeoutMs = 90_000,
): Promise<ProviderStatus> {
  const started = Date.now();
  for (;;) {
    // Lanes or products in this process can hold up the coordinator's event loop: it sheds the request, and we ask again.
    const status = await getProvider({ coordinator: coordinator.client }, address).catch(
      (error: { code?: string }) => {
        if (error.code === 'OVERLOADED') return undefined;
        throw error;
      },
    );
    if (status && done(status)) return status;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${JSON.stringify(status?.claims)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
