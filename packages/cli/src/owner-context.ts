import { localAccount, networkDomain } from '@idlegrid/protocol';
import { loadPrivateKey, readNetworkConfig } from '@idlegrid/sdk';
import type { OwnerContext } from '@idlegrid/sdk/privacy';
import type { Command } from 'commander';
import type { Hex } from 'viem';
import { contextOf } from './context.js';
import { coordinatorClient } from './coordinator-url.js';
import type { Output } from './output.js';

/**
 * The owner of sealed data (a key of the data directory: `keyName`, or `--key`), the coordinator
 * it talks to (`--coordinator`), and its private key, which opens what is sealed to it.
 */
export async function ownerContext(
  command: Command,
  keyName?: string,
): Promise<{ ctx: OwnerContext; key: Hex; out: Output; dataDir: string }> {
  const { config, out } = await contextOf(command);
  const flags = command.optsWithGlobals<{ coordinator?: string[]; key: string }>();
  const [coordinator, key, network] = await Promise.all([
    coordinatorClient(config.dataDir, flags.coordinator),
    loadPrivateKey(config.dataDir, keyName ?? flags.key),
    readNetworkConfig(config.dataDir),
  ]);
  const ctx: OwnerContext = {
    coordinator,
    signer: localAccount(key),
    domain: networkDomain(network.chainId, network.paymentChannels),
  };
  return { ctx, key, out, dataDir: config.dataDir };
}
