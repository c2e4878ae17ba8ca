import { ONE_TOKEN } from '@idlegrid/contracts';
import { authorizeSessionKey, revokeSessionKey } from '@idlegrid/sdk';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainSessionGrants, isLiveSessionKey } from './session-keys.js';
import { startTestNetwork, type TestNetwork } from './test-network.js';

let testNetwork: TestNetwork;
beforeAll(async () => {
  testNetwork = await startTestNetwork();
});
afterAll(() => testNetwork?.stop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('session-key grants read from the chain', () => {
  it('reads a grant, serves it for a while, and sees a revocation once it is read again', async () => {
    const client = await testNetwork.newParty(10n * ONE_TOKEN);
    const key = privateKeyToAddress(generatePrivateKey());
    const expiry = BigInt(Math.floor(Date.now() / 1000)) + 3_600n;
    await authorizeSessionKey(client.ctx, key, 5n * ONE_TOKEN, expiry);
    const grants = chainSessionGrants(client.ctx.network, 400);
    expect(await grants(client.account.address, key)).toEqual({ cap: 5n * ONE_TOKEN, spent: 0n, expiry });
    expect(await isLiveSessionKey(grants, client.account.address, key)).toBe(true);

    await revokeSessionKey(client.ctx, key);
    // Within its time the grant held still answers (no chain read on a busy key's path)...
    expect(await isLiveSessionKey(grants, client.account.address, key)).toBe(true);
    // ...and past half of it the chain is read again in the background, then past all of it for sure.
    await sleep(450);
    expect(await isLiveSessionKey(grants, client.account.address, key)).toBe(false);
    // A key never granted is not live.
    expect(
      await isLiveSessionKey(grants, client.account.address, privateKeyToAddress(generatePrivateKey())),
    ).toBe(false);
  });
});
