import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import { getAddress, isAddress } from 'viem';
import { z } from 'zod';

const address = z
  .string()
  .refine((value) => isAddress(value), 'must be an address')
  .transform((value) => getAddress(value));

const networkConfigSchema = z.object({
  rpcUrl: z.url(),
  chainId: z.number().int().positive(),
  token: address,
  /** Where coordinators bond and list their endpoints (providers join only active ones). */
  coordinatorRegistry: address,
  staking: address,
  paymentChannels: address,
  /** The Governor GRID holders vote in, and the timelock that owns the network's parameters. */
  governor: address,
  timelock: address,
  deployBlock: z.string().regex(/^\d+$/),
  /** True when the chain is the embedded anvil whose state lives in this data directory. */
  embedded: z.boolean(),
});

export type NetworkConfig = z.output<typeof networkConfigSchema>;

export function networkConfigPath(dataDir: string): string {
  return join(dataDir, 'network.json');
}

export async function readNetworkConfig(dataDir: string): Promise<NetworkConfig> {
  const path = networkConfigPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new IdlegridError('NETWORK_NOT_CONFIGURED', `no network in ${dataDir}`, {
      details: { path, hint: 'start one with: idlegrid chain start (or idlegrid localnet)' },
    });
  }
  const parsed = networkConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new IdlegridError('CONFIG_INVALID', `${path} is invalid`, {
      details: { issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) },
    });
  }
  return parsed.data;
}

/** Writes atomically, so a crash never leaves a half-written network file. */
export async function writeNetworkConfig(dataDir: string, config: NetworkConfig): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const path = networkConfigPath(dataDir);
  await writeFile(`${path}.tmp`, `${JSON.stringify(networkConfigSchema.parse(config), null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
