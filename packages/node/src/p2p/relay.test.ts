import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createP2PHost, type P2PHost } from './host.js';
import { Libp2pMessageChannel } from './libp2p-channel.js';
import { startTestHost, waitFor } from './testing.js';

// A coordinator (relay server), a provider that listens on no socket at all, so that nobody can
// dial it (as behind a NAT), and another coordinator that must reach it.
let relay: P2PHost;
let hidden: P2PHost;
let dialer: P2PHost;

beforeAll(async () => {
  relay = await startTestHost({ relay: 'server' });
  hidden = await startTestHost({ relay: 'client', listen: [] });
  dialer = await startTestHost({ relay: 'server' });
});

afterAll(async () => {
  for (const host of [dialer, hidden, relay]) await host?.stop();
});

const circuitAddress = () => hidden.multiaddrs().find((address) => address.includes('/p2p-circuit'));

describe('circuit relay v2', () => {
  it('makes a provider that cannot be dialled reachable through the coordinator it joined', async () => {
    expect(hidden.multiaddrs()).toEqual([]);
    await hidden.dial(relay.multiaddrs()[0]!);
    // Once joined, it holds a reservation: its address is the relay's, with /p2p-circuit.
    await waitFor(() => circuitAddress() !== undefined, 10_000, 'a relay reservation');
    expect(circuitAddress()).toBe(`${relay.multiaddrs()[0]}/p2p-circuit/p2p/${hidden.peerId}`);

    const channel = new Libp2pMessageChannel({ timeoutMs: 5_000 }, { libp2p: hidden.libp2p });
    await channel.start();
    channel.handle('echo', (message) => ({ echo: message.body, from: message.from.address }));
    const asking = new Libp2pMessageChannel({ timeoutMs: 5_000 }, { libp2p: dialer.libp2p });
    await asking.start();
    try {
      expect(await dialer.dial(circuitAddress()!)).toBe(hidden.peerId);
      expect(await asking.request(hidden.peerId, 'echo', { job: 1 })).toEqual({
        echo: { job: 1 },
        from: dialer.address,
      });
    } finally {
      await asking.stop();
      await channel.stop();
    }
  });

  it('refuses a listen or announce address that is not a multiaddr, with INVALID_ARGUMENT', async () => {
    for (const bad of [{ listen: ['notamultiaddr'] }, { announce: ['/ip4/203.0.113.7/tcp/x'] }]) {
      await expect(createP2PHost({ privateKey: generatePrivateKey(), ...bad })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
  });

  it('tells an announced public address, which libp2p would otherwise hold back until verified', async () => {
    const announced = '/ip4/8.8.4.4/tcp/4001';
    const host = await createP2PHost({ privateKey: generatePrivateKey(), announce: [announced] });
    await host.start();
    try {
      expect(host.multiaddrs()).toContain(`${announced}/p2p/${host.peerId}`);
      expect(host.multiaddrs().some((address) => address.startsWith('/ip4/127.0.0.1/'))).toBe(true);
    } finally {
      await host.stop();
    }
  });
});
