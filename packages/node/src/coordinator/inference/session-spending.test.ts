import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import type { SessionGrant } from '../../chain/session-keys.js';
import { SessionSpending } from './session-spending.js';

const client = '0x00000000000000000000000000000000000000c1' as Address;
const key = '0x00000000000000000000000000000000000000a1' as Address;
const now = 1_000n;

function spending(grant: SessionGrant) {
  return new SessionSpending(async () => grant);
}

describe('SessionSpending', () => {
  it('reserves up to the cap, counting what was spent, signed and reserved', async () => {
    const book = spending({ cap: 100n, spent: 20n, expiry: 2_000n });
    const release = await book.reserve(client, key, 50n, now);
    await expect(book.reserve(client, key, 31n, now)).rejects.toMatchObject({
      code: 'SESSION_KEY_CAP_EXCEEDED',
    });
    release();
    release();
    book.signed(client, key, 30n);
    await expect(book.reserve(client, key, 51n, now)).rejects.toMatchObject({
      code: 'SESSION_KEY_CAP_EXCEEDED',
    });
    await expect(book.reserve(client, key, 50n, now)).resolves.toBeTypeOf('function');
  });

  it('refuses keys never granted, revoked or expired', async () => {
    await expect(
      spending({ cap: 0n, spent: 0n, expiry: 0n }).reserve(client, key, 1n, now),
    ).rejects.toMatchObject({
      code: 'API_KEY_INVALID',
    });
    await expect(
      spending({ cap: 10n, spent: 0n, expiry: now }).reserve(client, key, 1n, now),
    ).rejects.toMatchObject({
      code: 'API_KEY_INVALID',
    });
  });

  it('counts a redemption of what it signed once, not twice', async () => {
    const grant = { cap: 100n, spent: 0n, expiry: 2_000n };
    const book = spending(grant);
    (await book.reserve(client, key, 60n, now))();
    book.signed(client, key, 60n);
    grant.spent = 60n; // the provider redeemed the voucher
    await expect(book.reserve(client, key, 40n, now)).resolves.toBeTypeOf('function');
  });
});
