import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-harness.js';
import {
  providersAt as providersOf,
  startNet,
  startProvider,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

interface Listed {
  account: string;
  apiUrl: string;
  p2p: string;
}

let net: TestNet;

beforeAll(async () => {
  net = await startNet(1);
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

const cli = async (...args: string[]) => {
  const run = await runCli(['--data-dir', net.dataDir, '--json', ...args]);
  expect(run.code, run.stderr).toBe(0);
  return run.json;
};
const listed = async () => (await cli('coordinator', 'list')) as Listed[];
/** The providers joined to this coordinator (not those it knows through the mesh, which even the rogue finds on-chain). */
const providersAt = async (apiUrl: string) =>
  (await providersOf(apiUrl)).filter((p) => p.online && p.joinedVia === null).map((p) => p.address);

describe('coordinators registered on-chain (CoordinatorRegistry)', () => {
  it("lists the localnet's coordinator with the endpoints it published when it started", async () => {
    await waitFor(
      async () =>
        (await listed()).some((c) => c.apiUrl === net.coordinatorUrl && c.p2p === net.coordinatorP2p),
      30_000,
      'the coordinator to publish its endpoints',
    );
  });

  it('a provider refuses an unregistered coordinator, and finds a registered one in the registry', async () => {
    // A second coordinator, with a key of its own that never bonded.
    const rogue = await startCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'coordinator',
      'start',
      '--name',
      'rogue',
      '--api-port',
      '0',
      '--store-dir',
      join(net.dataDir, 'rogue'),
    ]);
    const rogueInfo = rogue.first as { address: string; apiUrl: string; p2pAddrs: string[] };
    expect((await listed()).map((c) => c.account)).not.toContain(rogueInfo.address);

    // Told of the rogue alone, the provider refuses it and joins the coordinator the registry lists.
    const wallet = (await cli('wallet', 'new', '--name', 'provider-9')) as { address: string };
    await startProvider(net, 'provider-9', rogueInfo.p2pAddrs[0]!);
    await waitFor(
      async () => (await providersAt(net.coordinatorUrl)).includes(wallet.address),
      60_000,
      'the provider to join the registered coordinator',
    );
    expect(await providersAt(rogueInfo.apiUrl)).not.toContain(wallet.address);

    // Bonded, the rogue is listed with the endpoints it names; deregistered, it is gone at once.
    await cli('wallet', 'fund', '--name', 'rogue', '--tokens', '10000', '--eth', '1');
    const record = (await cli(
      'coordinator',
      'register',
      '--name',
      'rogue',
      '--stake',
      '10000',
      '--p2p',
      rogueInfo.p2pAddrs[0]!,
      '--api-url',
      rogueInfo.apiUrl,
    )) as { bonded: string; releaseAt: string };
    expect(record.releaseAt).toBe('0');
    expect(await listed()).toContainEqual(
      expect.objectContaining({ account: rogueInfo.address, apiUrl: rogueInfo.apiUrl }),
    );
    const leaving = (await cli('coordinator', 'deregister', '--name', 'rogue')) as { releaseAt: string };
    expect(BigInt(leaving.releaseAt)).toBeGreaterThan(0n);
    expect((await listed()).map((c) => c.account)).not.toContain(rogueInfo.address);
    const early = await runCli([
      '--data-dir',
      net.dataDir,
      '--json',
      'coordinator',
      'withdraw',
      '--name',
      'rogue',
    ]);
    expect(early.json.error.code).toBe('WITHDRAW_LOCKED');
  }, 240_000);
});
