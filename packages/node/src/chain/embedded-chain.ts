import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Anvil, startAnvil } from '@idlegrid/contracts';
import { createTestClient, http, parseEther } from 'viem';

export interface EmbeddedChainOptions {
  dataDir: string;
  port: number;
  stateIntervalSeconds: number;
  signal?: AbortSignal;
}

export function chainStatePath(dataDir: string): string {
  return join(dataDir, 'chain', 'state.json');
}

/**
 * The embedded chain: anvil with its state in DIR/chain/state.json, dumped every few
 * seconds and on a clean stop, so balances and contracts survive restarts.
 */
export async function startEmbeddedChain(options: EmbeddedChainOptions): Promise<Anvil> {
  await mkdir(join(options.dataDir, 'chain'), { recursive: true });
  return startAnvil({
    port: options.port,
    statePath: chainStatePath(options.dataDir),
    stateIntervalSeconds: options.stateIntervalSeconds,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Gives an address gas money on the embedded chain (an anvil-only RPC, never used elsewhere). */
export async function mintGas(anvil: Anvil, address: `0x${string}`, ether = '1000000'): Promise<void> {
  const testClient = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) });
  await testClient.setBalance({ address, value: parseEther(ether) });
}
