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
 * late moves no funds, since the contract itself refuses the key's vouchers once revoked. A
 * grant past half its time is read again in the background while the one held still answers,
 * so a busy key's requests never wait for the chain.
 */
export function chainSessionGrants(network: NetworkConfig, ttlMs = 10_000): SessionGrantLookup {
  const chain = publicClientFor(network.chainId, network.rpcUrl);
  const cache = new Map<string, { at: number; grant: Promise<SessionGrant> }>();
  /** Grants being read again in the background. */
  const refreshing = new Set<string>();
  const read = (id: string, client: Address, key: Address) => {
    const grant = chain
      .readContract({
        address: network.paymentChannels,
        abi: paymentChannelsAbi,
        functionName: 'sessionKeyOf',
        args: [client, key],
      })
      .then(([cap, spent, expiry]) => ({ cap, spent, expiry }))
      .catch((error: unknown) => {
        if (cache.get(id)?.grant === grant) cache.delete(id);
        throw toIdlegridError(error, 'read a session key');
      });
    return grant;
  };
  return (client, key) => {
    const id = `${client}:${key}`.toLowerCase();
    const hit = cache.get(id);
    const age = hit ? Date.now() - hit.at : Number.POSITIVE_INFINITY;
    if (hit && age < ttlMs) {
      if (age >= ttlMs / 2 && !refreshing.has(id)) {
        refreshing.add(id);
        const fresh = read(id, client, key);
        fresh
          .then(() => cache.set(id, { at: Date.now(), grant: fresh }))
          .catch(() => {})
          .finally(() => refreshing.delete(id));
      }
      return hit.grant;
    }
    const grant = read(id, client, key);
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

/**
 * Accepts a message signed for its client by a live session key of that client (an API key).
 * A chain that cannot be read proves no grant: the message is refused, and can be sent again.
 */
export function sessionKeyDelegate(grants: SessionGrantLookup) {
  return (signer: Address, message: { client: Address }): Promise<boolean> =>
    isLiveSessionKey(grants, message.client, signer).catch(() => false);
}
