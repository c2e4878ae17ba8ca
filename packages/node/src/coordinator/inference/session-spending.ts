import { IdlegridError } from '@idlegrid/protocol';
import type { Address } from 'viem';
import type { SessionGrantLookup } from '../../chain/session-keys.js';

/**
 * What API keys (session keys) may still spend through this coordinator: the chain's `spent`
 * when the key was first seen here (redeemed before), plus what this coordinator signed with it
 * since, plus what requests in flight may still cost (their max price, reserved before the job
 * is submitted), so concurrent requests cannot overrun the cap. Held in memory: vouchers signed
 * before a restart and redeemed after it are not counted, but the contract refuses any voucher
 * beyond the cap, so no funds can move that should not.
 */
export class SessionSpending {
  readonly #spentBefore = new Map<string, bigint>();
  readonly #signed = new Map<string, bigint>();
  readonly #reserved = new Map<string, bigint>();

  constructor(private readonly grants: SessionGrantLookup) {}

  /** Checks the key is authorized and live (API_KEY_INVALID if not): before anything else of a request. */
  async authorize(client: Address, key: Address, nowSeconds: bigint): Promise<void> {
    await this.#liveGrant(client, key, nowSeconds);
  }

  /** Checks the key is live and can afford `amount` more, and holds that amount for the request. */
  async reserve(client: Address, key: Address, amount: bigint, nowSeconds: bigint): Promise<() => void> {
    const grant = await this.#liveGrant(client, key, nowSeconds);
    const id = idOf(client, key);
    if (!this.#spentBefore.has(id)) this.#spentBefore.set(id, grant.spent);
    const committed =
      (this.#spentBefore.get(id) ?? 0n) + (this.#signed.get(id) ?? 0n) + (this.#reserved.get(id) ?? 0n);
    if (committed + amount > grant.cap) {
      throw new IdlegridError(
        'SESSION_KEY_CAP_EXCEEDED',
        `this key may spend ${grant.cap - committed} more; the request may cost up to ${amount}`,
        {
          details: {
            cap: grant.cap.toString(),
            committed: committed.toString(),
            requestMaxPrice: amount.toString(),
          },
        },
      );
    }
    this.#add(this.#reserved, id, amount);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#add(this.#reserved, id, -amount);
    };
  }

  async #liveGrant(client: Address, key: Address, nowSeconds: bigint) {
    const grant = await this.grants(client, key);
    if (grant.expiry <= nowSeconds) {
      throw new IdlegridError(
        'API_KEY_INVALID',
        grant.expiry === 0n
          ? `session key ${key} is not authorized for ${client} (never granted, or revoked)`
          : `session key ${key} expired at ${grant.expiry}`,
        { details: { client, key, expiry: grant.expiry.toString() } },
      );
    }
    return grant;
  }

  /** Records a voucher increase signed with the key. */
  signed(client: Address, key: Address, amount: bigint): void {
    this.#add(this.#signed, idOf(client, key), amount);
  }

  #add(map: Map<string, bigint>, id: string, amount: bigint): void {
    map.set(id, (map.get(id) ?? 0n) + amount);
  }
}

function idOf(client: Address, key: Address): string {
  return `${client}:${key}`.toLowerCase();
}
