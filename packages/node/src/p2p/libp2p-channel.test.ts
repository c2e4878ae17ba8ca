import { IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import { generatePrivateKey } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from './api.js';
import type { P2PHost } from './host.js';
import { peerIdOfWallet, peerIdToAddress } from './identity.js';
import { Libp2pMessageChannel } from './libp2p-channel.js';
import { startTestHost, waitFor } from './testing.js';

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'no error',
    (error: unknown) => (isIdlegridError(error) ? error.code : error),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<IdlegridError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IdlegridError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

interface Node {
  host: P2PHost;
  channel: Libp2pMessageChannel;
  received: IncomingMessage[];
}

async function startNode(options: { maxFrameBytes?: number } = {}): Promise<Node> {
  const host = await startTestHost();
  const channel = new Libp2pMessageChannel({ timeoutMs: 5_000, ...options }, { libp2p: host.libp2p });
  await channel.start();
  const received: IncomingMessage[] = [];
  channel.handle('echo', (message) => ({ echo: message.body, from: message.from.address }));
  channel.handle('note', (message) => {
    received.push(message);
  });
  channel.handle('fail', (message) => {
    if (message.body === 'coded') throw new IdlegridError('JOB_NOT_FOUND', 'no such job');
    throw new Error('database password is hunter2');
  });
  channel.handle(
    'never',
    (_message, { signal }) => new Promise((resolve) => signal.addEventListener('abort', resolve)),
  );
  return { host, channel, received };
}

function streamsOf(node: Node, peer: P2PHost): number {
  return node.host.libp2p
    .getConnections(peer.libp2p.peerId)
    .flatMap((connection) => connection.streams)
    .filter((stream) => stream.protocol === node.channel.protocol && stream.status === 'open').length;
}

describe('libp2p message channel', () => {
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    [a, b] = await Promise.all([startNode(), startNode()]);
    expect(await a.host.dial(b.host.multiaddrs()[0]!)).toBe(b.host.peerId);
  });

  afterAll(async () => {
    for (const node of [a, b]) {
      await node.channel.stop();
      await node.host.stop();
    }
  });

  it('derives each peer id from its wallet key and back', () => {
    for (const { host } of [a, b]) {
      expect(host.multiaddrs()[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/16Uiu2/);
      expect(host.peerId).toBe(peerIdOfWallet((host as P2PHost & { privateKey: `0x${string}` }).privateKey));
      expect(peerIdToAddress(host.peerId)).toBe(host.address);
    }
    expect(a.host.peers()).toContain(b.host.peerId);
  });

  it('answers requests in both directions, naming the authenticated sender', async () => {
    const fromA = await a.channel.request(b.host.peerId, 'echo', { amount: 10n ** 20n, list: [1, 'x'] });
    expect(fromA).toEqual({
      echo: { amount: '100000000000000000000', list: [1, 'x'] },
      from: a.host.address,
    });
    const fromB = await b.channel.request(a.host.peerId, 'echo', 'hi');
    expect(fromB).toEqual({ echo: 'hi', from: b.host.address });
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => a.channel.request(b.host.peerId, 'echo', i)),
    );
    expect(many.map((answer) => (answer as { echo: number }).echo)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('answers null for a handler that returns nothing, and the stream stays usable', async () => {
    b.channel.handle('silent', () => undefined);
    await expect(a.channel.request(b.host.peerId, 'silent', {})).resolves.toBeNull();
    await expect(a.channel.request(b.host.peerId, 'echo', 'after')).resolves.toMatchObject({ echo: 'after' });
  });

  it('delivers one-way messages in both directions over one long-lived stream', async () => {
    await a.channel.send(b.host.peerId, 'note', { n: 1 });
    await b.channel.send(a.host.peerId, 'note', { n: 2 });
    await waitFor(() => b.received.length === 1 && a.received.length === 1, 5_000, 'both notes');
    expect(b.received[0]).toMatchObject({ type: 'note', body: { n: 1 }, expectsReply: false });
    expect(b.received[0]!.from).toEqual({ id: a.host.peerId, address: a.host.address });
    expect(a.received[0]!.from).toEqual({ id: b.host.peerId, address: b.host.address });
    expect(streamsOf(a, b.host)).toBe(1);
    expect(streamsOf(b, a.host)).toBe(1);
    // Messages sent in one turn leave together (one send), and arrive in order.
    await Promise.all(Array.from({ length: 30 }, (_, n) => a.channel.send(b.host.peerId, 'note', { n })));
    await waitFor(() => b.received.length === 31, 5_000, 'thirty notes');
    expect(b.received.slice(1).map((message) => (message.body as { n: number }).n)).toEqual(
      Array.from({ length: 30 }, (_, n) => n),
    );
  });

  it('reopens the stream after it closed', async () => {
    for (const connection of a.host.libp2p.getConnections(b.host.libp2p.peerId)) {
      for (const stream of connection.streams)
        if (stream.protocol === a.channel.protocol) await stream.close();
    }
    await waitFor(() => streamsOf(a, b.host) === 0, 5_000, 'the stream to close');
    expect(await a.channel.request(b.host.peerId, 'echo', 'again')).toMatchObject({ echo: 'again' });
    expect(streamsOf(a, b.host)).toBe(1);
  });

  it('passes idlegrid error codes back and masks other errors', async () => {
    expect(await codeOf(a.channel.request(b.host.peerId, 'fail', 'coded'))).toBe('JOB_NOT_FOUND');
    const masked = await failureOf(a.channel.request(b.host.peerId, 'fail', 'plain'));
    expect([masked.code, masked.message.includes('hunter2')]).toEqual(['P2P_REMOTE_ERROR', false]);
    expect(await codeOf(a.channel.request(b.host.peerId, 'nobody-handles-this', null))).toBe(
      'P2P_NO_HANDLER',
    );
  });

  it('moves many windows of data both ways: window updates still flow when they are due', async () => {
    // 16 requests of 900 KiB each way: far past yamux's 256 KiB window, so a stream that never
    // told its peer about freed window would stall here.
    const big = 'y'.repeat(900 * 1024);
    for (let i = 0; i < 16; i++) {
      const answer = (await a.channel.request(b.host.peerId, 'echo', big)) as { echo: string };
      expect(answer.echo.length).toBe(big.length);
    }
  }, 30_000);

  it('refuses a message over its own frame limit before sending it', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 1);
    expect(await codeOf(a.channel.request(b.host.peerId, 'echo', huge))).toBe('P2P_FRAME_TOO_LARGE');
    expect(await codeOf(a.channel.send(b.host.peerId, 'note', huge))).toBe('P2P_FRAME_TOO_LARGE');
    expect(await a.channel.request(b.host.peerId, 'echo', 'still fine')).toMatchObject({
      echo: 'still fine',
    });
  });

  it('refuses a frame over the receiver limit, then recovers', async () => {
    const small = new Libp2pMessageChannel(
      { name: 'small', maxFrameBytes: 16 * 1024 },
      { libp2p: b.host.libp2p },
    );
    const large = new Libp2pMessageChannel({ name: 'small' }, { libp2p: a.host.libp2p });
    await Promise.all([small.start(), large.start()]);
    small.handle('echo', (message) => message.body);
    try {
      const error = await failureOf(large.request(b.host.peerId, 'echo', 'x'.repeat(64 * 1024)));
      expect([error.code, error.details.maxBytes]).toEqual(['P2P_FRAME_TOO_LARGE', 16 * 1024]);
      expect(await large.request(b.host.peerId, 'echo', 'small enough')).toBe('small enough');
    } finally {
      await Promise.all([small.stop(), large.stop()]);
    }
  });

  it('times out when the peer never answers, and honours an AbortSignal', async () => {
    const started = Date.now();
    const timedOut = await failureOf(a.channel.request(b.host.peerId, 'never', null, { timeoutMs: 300 }));
    expect([timedOut.code, timedOut.details.timeoutMs]).toEqual(['P2P_TIMEOUT', 300]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const controller = new AbortController();
    const aborted = codeOf(a.channel.request(b.host.peerId, 'never', null, { signal: controller.signal }));
    controller.abort();
    expect(await aborted).toBe('ABORTED');
  });

  it('reports unknown and stopped peers as unreachable', async () => {
    expect(await codeOf(a.channel.request(peerIdOfWallet(generatePrivateKey()), 'echo', 1))).toBe(
      'P2P_UNREACHABLE',
    );
    const c = await startNode();
    await a.host.dial(c.host.multiaddrs()[0]!);
    expect(await a.channel.request(c.host.peerId, 'echo', 'up')).toMatchObject({ echo: 'up' });
    await c.channel.stop();
    await c.host.stop();
    expect(await codeOf(a.channel.request(c.host.peerId, 'echo', 'down'))).toBe('P2P_UNREACHABLE');
    expect(await codeOf(a.channel.send(c.host.peerId, 'note', 'down'))).toBe('P2P_UNREACHABLE');
  });

  it('refuses to work when stopped', async () => {
    const idle = new Libp2pMessageChannel({ name: 'idle' }, { libp2p: a.host.libp2p });
    expect(await codeOf(idle.request(b.host.peerId, 'echo', 1))).toBe('P2P_NOT_STARTED');
    expect(await codeOf(a.host.dial('not a multiaddr'))).toBe('INVALID_ARGUMENT');
  });
});
