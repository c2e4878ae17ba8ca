import { paymentChannelsAbi, publicClientFor, toIdlegridError } from '@idlegrid/contracts';
import type { NetworkConfig } from '@idlegrid/sdk';
import type { Address } from 'viem';

/** A session key's grant as the PaymentChannels contract holds it (all zero: never authorized). */
export interface SessionGrant {
  cap: bigint;
  spent: bigint;
  /** Unix seconds. */
  expiry: bigint;
}

export type SessionGrantLookup = (client: Address, key: Address) => Promise<SessionGrant>;

/**
 * Reads session-key grants from the chain, each kept for `ttlMs`: a key signs many messages in
 * a row (every request of an API client), and a revocation reaching verifiers a few seconds
 * late moves no funds, since the contract itself refuses the key's vouchers once revoked.
 */
export function chainSessionGrants(network: NetworkConfig, ttlMs = 10_000): SessionGrantLookup {
  const chain = publicClientFor(network.chainId, network.rpcUrl);
  const cache = new Map<string, { at: number; grant: Promise<SessionGrant> }>();
  return (client, key) => {
    const id = `${client}:${key}`.toLowerCase();
    const hit = cache.get(id);
    if (hit && Date.now() - hit.at < ttlMs) return hit.grant;
    const grant = chain
      .readContract({
        address: network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'sessionKeyOf',
        args: [client, key],
      })
      .then(([cap, spent, expiry]) => ({ cap, spent, expiry }))
      .catch((error: unknown) => {
        cache.delete(id);
        throw toIdlegridError(error, 'read a session key');
      });
    cache.set(id, { at: Date.now(), grant });
    return grant;
  };
}

/** True when `key` may sign for `client` now: authorized, not expired, not revoked. */
export async function isLiveSessionKey(
  grants: SessionGrantLookup,
  client: Address,
  key: Address,
  nowSeconds = BigInt(Math.floor(Date.now() / 1000)),
): Promise<boolean> {
  const grant = await grants(client, key);
  return grant.expiry > nowSeconds;
}
