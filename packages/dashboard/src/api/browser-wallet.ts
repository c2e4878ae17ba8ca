import { networkDomain } from '@idlegrid/protocol';
import { CoordinatorClient, type JobsContext } from '@idlegrid/sdk/browser';
import { type Hex, isHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { fetchJson } from './fetch-json.js';
import type { NetworkInfo } from './types.js';

/**
 * A dev-mode wallet: a private key pasted into the page, held in memory only (never stored,
 * never sent). It signs with viem for the network the coordinator settles on, so the SDK's
 * job and payment functions run in the browser as they do in the CLI.
 */
export async function connectWallet(privateKey: string): Promise<JobsContext> {
  const key = privateKey.trim().startsWith('0x') ? privateKey.trim() : `0x${privateKey.trim()}`;
  if (!isHex(key) || key.length !== 66) throw new Error('a private key is 32 bytes of hex (64 digits)');
  const network = await fetchJson<NetworkInfo>('/v1/network');
  return {
    coordinator: new CoordinatorClient({ url: window.location.origin }),
    signer: privateKeyToAccount(key as Hex),
    domain: networkDomain(network.chainId, network.paymentChannels),
  };
}
