import type { Hex } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { createGossipHost, type GossipServices, type P2PHost, type P2PHostOptions } from './host.js';

/** Polls `predicate` until it holds: for conditions that no event announces (test helper). */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a host on 127.0.0.1 with a fresh wallet key and fast gossip heartbeats (test helper). */
export async function startTestHost(
  options: Partial<P2PHostOptions> = {},
): Promise<P2PHost<GossipServices> & { privateKey: Hex }> {
  const privateKey = options.privateKey ?? generatePrivateKey();
  const host = await createGossipHost({ gossipsub: { heartbeatInterval: 50 }, ...options, privateKey });
  await host.start();
  return Object.assign(host, { privateKey });
}
