import {
  coordinatorRegistryAbi,
  gridTokenAbi,
  publicClientFor,
  type SentTransaction,
  sendContractTx,
  toIdlegridError,
} from '@idlegrid/contracts';
import type { NetworkConfig, SignerContext } from '@idlegrid/sdk';
import type { Address } from 'viem';

/** A coordinator as the CoordinatorRegistry holds it: its bond and the endpoints it published. */
export interface RegisteredCoordinator {
  account: Address;
  bonded: bigint;
  /** Unix seconds when a leaving coordinator's bond unlocks; 0 while it stays. */
  releaseAt: bigint;
  p2p: string;
  apiUrl: string;
}

export interface CoordinatorEndpoints {
  /** Its libp2p multiaddr, ending in /p2p/<peer id>. */
  p2p: string;
  apiUrl: string;
}

/**
 * Bonds `amount` more tokens (0 to only update the endpoints) and publishes the endpoints.
 * The bond after this call must reach the registry's minimum.
 */
export async function registerCoordinator(
  ctx: SignerContext,
  amount: bigint,
  endpoints: CoordinatorEndpoints,
): Promise<SentTransaction> {
  const registry = ctx.network.coordinatorRegistry;
  if (amount > 0n)
    await sendContractTx(ctx, {
      address: ctx.network.token,
      abi: gridTokenAbi,
      functionName: 'approve',
      args: [registry, amount],
    });
  return sendContractTx(ctx, {
    address: registry,
    abi: coordinatorRegistryAbi,
    functionName: 'register',
    args: [amount, endpoints.p2p, endpoints.apiUrl],
  });
}

/** Stops being active at once; the bond unlocks after the unbonding delay (`withdrawCoordinatorBond`). */
export function deregisterCoordinator(ctx: SignerContext): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.coordinatorRegistry,
    abi: coordinatorRegistryAbi,
    functionName: 'requestDeregister',
    args: [],
  });
}

export function withdrawCoordinatorBond(ctx: SignerContext): Promise<SentTransaction> {
  return sendContractTx(ctx, {
    address: ctx.network.coordinatorRegistry,
    abi: coordinatorRegistryAbi,
    functionName: 'withdraw',
    args: [],
  });
}

function readRegistry<T>(network: NetworkConfig, functionName: string, args: readonly unknown[]): Promise<T> {
  return publicClientFor(network.chainId, network.rpcUrl)
    .readContract({
      address: network.coordinatorRegistry,
      abi: coordinatorRegistryAbi,
      functionName,
      args,
    } as never)
    .catch((error: unknown) => {
      throw toIdlegridError(error, `read the coordinator registry (${functionName})`);
    }) as Promise<T>;
}

/** The bond a coordinator needs to be active. */
export function registryMinStake(network: NetworkConfig): Promise<bigint> {
  return readRegistry<bigint>(network, 'minStake', []);
}

export function isActiveCoordinator(network: NetworkConfig, account: Address): Promise<boolean> {
  return readRegistry<boolean>(network, 'isActive', [account]);
}

/** The registry's record of `account` (all zero when it never registered). */
export function coordinatorRecord(network: NetworkConfig, account: Address): Promise<RegisteredCoordinator> {
  return readRegistry<RegisteredCoordinator>(network, 'coordinatorOf', [account]);
}

/** Every active coordinator with its endpoints: how providers and clients find the mesh on-chain. */
export async function activeCoordinators(network: NetworkConfig): Promise<RegisteredCoordinator[]> {
  return [...(await readRegistry<readonly RegisteredCoordinator[]>(network, 'activeCoordinators', []))];
}

/**
 * An on-chain check remembered per account for `ttlMs`: nodes ask it of every message
 * (assignment, punishment notice) from a coordinator, and a minute-old answer is fresh
 * enough for a registration that takes days to unbond.
 */
export function cachedAccountCheck(
  check: (account: Address) => Promise<boolean>,
  ttlMs = 60_000,
): (account: Address) => Promise<boolean> {
  // Checks in flight are shared: a burst of messages from one coordinator costs one chain read.
  const known = new Map<string, { ok: Promise<boolean>; at: number }>();
  return (account) => {
    const key = account.toLowerCase();
    const cached = known.get(key);
    if (cached && Date.now() - cached.at < ttlMs) return cached.ok;
    const ok = check(account);
    const entry = { ok, at: Date.now() };
    known.set(key, entry);
    // A failed check (the chain unreachable) is not remembered.
    ok.catch(() => {
      if (known.get(key) === entry) known.delete(key);
    });
    return ok;
  };
}

/** Whether a coordinator is active in the registry, remembered for a minute. */
export function activeCoordinatorCheck(network: NetworkConfig): (account: Address) => Promise<boolean> {
  return cachedAccountCheck((account) => isActiveCoordinator(network, account));
}

/**
 * Keeps an active coordinator's published endpoints equal to where it serves now (it moved,
 * or it registered before it first started): a register call that bonds nothing more.
 */
export async function publishEndpoints(
  ctx: SignerContext,
  endpoints: CoordinatorEndpoints,
): Promise<'updated' | 'current' | 'inactive'> {
  const account = ctx.wallet.account.address;
  if (!(await isActiveCoordinator(ctx.network, account))) return 'inactive';
  const record = await coordinatorRecord(ctx.network, account);
  if (record.p2p === endpoints.p2p && record.apiUrl === endpoints.apiUrl) return 'current';
  await registerCoordinator(ctx, 0n, endpoints);
  return 'updated';
}
