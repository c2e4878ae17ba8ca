import {
  isIdlegridError,
  networkDomain,
  type SignedMessage,
  signMessage,
  toWireJson,
  type VerifiedMessage,
} from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GossipMeta } from './api.js';
import type { GossipServices, P2PHost } from './host.js';
import { Libp2pGossip } from './libp2p-gossip.js';
import { startTestHost, waitFor } from './testing.js';
import { HEARTBEATS_TOPIC, OFFERS_TOPIC } from './topics.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');

interface Node {
  host: P2PHost<GossipServices>;
  gossip: Libp2pGossip;
  received: { message: VerifiedMessage; meta: GossipMeta }[];
}

async function startNode(): Promise<Node> {
  const host = await startTestHost();
  const gossip = new Libp2pGossip({ domain }, { pubsub: host.libp2p.services.pubsub });
  gossip.start();
  const received: Node['received'] = [];
  for (const topic of [OFFERS_TOPIC, HEARTBEATS_TOPIC]) {
    gossip.subscribe(topic, (message, meta) => received.push({ message, meta }));
  }
  return { host, gossip, received };
}

describe('libp2p gossip of signed messages', () => {
  const provider = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  const samples = sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n);
  let publisher: Node;
  let listeners: Node[];

  beforeAll(async () => {
    [publisher, ...listeners] = await Promise.all([startNode(), startNode(), startNode()]);
    for (const listener of listeners) await publisher.host.dial(listener.host.multiaddrs()[0]!);
    await waitFor(
      () =>
        [OFFERS_TOPIC, HEARTBEATS_TOPIC].every((topic) =>
          listeners.every((listener) => publisher.gossip.subscribers(topic).includes(listener.host.peerId)),
        ),
      10_000,
      'subscriptions',
    );
  });

  afterAll(async () => {
    for (const node of [publisher, ...listeners]) {
      node.gossip.stop();
      await node.host.stop();
    }
  });

  /** Publishes, then waits until every listener has either delivered or dropped one more message. */
  async function publishAndSettle(topic: string, message: SignedMessage | Uint8Array): Promise<void> {
    const before = listeners.map((node) => node.gossip.stats.delivered + node.gossip.stats.dropped);
    if (message instanceof Uint8Array) await publisher.host.libp2p.services.pubsub.publish(topic, message);
    else expect((await publisher.gossip.publish(topic, message)).recipients).toBe(2);
    await waitFor(
      () =>
        listeners.every((node, i) => node.gossip.stats.delivered + node.gossip.stats.dropped > before[i]!),
      5_000,
      'every listener to settle the message',
    );
  }

  it('delivers a signed offer to every subscriber, verified', async () => {
    const offer = await signMessage(provider, domain, 'Offer', samples.Offer);
    await publishAndSettle(OFFERS_TOPIC, offer);
    for (const listener of listeners) {
      expect(listener.received).toHaveLength(1);
      const [{ message, meta }] = listener.received as [Node['received'][number]];
      expect(message).toMatchObject({ kind: 'Offer', signer: provider.address, author: provider.address });
      expect(message.message).toEqual(offer.message);
      expect(meta).toEqual({ topic: OFFERS_TOPIC, origin: publisher.host.peerId });
    }
  });

  it('drops a forged offer and counts it', async () => {
    const forged = await signMessage(stranger, domain, 'Offer', { ...samples.Offer, nonce: 2n });
    await publishAndSettle(OFFERS_TOPIC, forged);
    for (const listener of listeners) {
      expect(listener.received).toHaveLength(1);
      expect(listener.gossip.stats.droppedByCode).toEqual({ SIGNER_MISMATCH: 1 });
    }
  });

  it('drops a replayed offer', async () => {
    const replay = await signMessage(provider, domain, 'Offer', samples.Offer);
    await publishAndSettle(OFFERS_TOPIC, replay);
    for (const listener of listeners) {
      expect(listener.received).toHaveLength(1);
      expect(listener.gossip.stats.droppedByCode.MESSAGE_REPLAYED).toBe(1);
    }
  });

  it('drops messages for another network, of the wrong kind, or not JSON', async () => {
    const otherChain = await signMessage(provider, networkDomain(1, domain.verifyingContract), 'Offer', {
      ...samples.Offer,
      nonce: 3n,
    });
    await publishAndSettle(OFFERS_TOPIC, otherChain);
    const offer = await signMessage(provider, domain, 'Offer', { ...samples.Offer, nonce: 4n });
    await publishAndSettle(HEARTBEATS_TOPIC, new TextEncoder().encode(toWireJson(offer)));
    await publishAndSettle(OFFERS_TOPIC, Uint8Array.of(0xff, 0x00));
    for (const listener of listeners) {
      expect(listener.received).toHaveLength(1);
      expect(listener.gossip.stats).toMatchObject({
        delivered: 1,
        dropped: 5,
        droppedByCode: { SIGNER_MISMATCH: 2, MESSAGE_REPLAYED: 1, MESSAGE_INVALID: 2 },
      });
    }
  });

  it('delivers heartbeats on their own topic', async () => {
    const heartbeat = await signMessage(provider, domain, 'Heartbeat', samples.Heartbeat);
    await publishAndSettle(HEARTBEATS_TOPIC, heartbeat);
    for (const listener of listeners) {
      expect(listener.received.map(({ message }) => message.kind)).toEqual(['Offer', 'Heartbeat']);
      expect(listener.received[1]!.meta.topic).toBe(HEARTBEATS_TOPIC);
    }
  });

  it('refuses to publish a message on a topic of another kind or an unknown topic', async () => {
    const heartbeat = await signMessage(provider, domain, 'Heartbeat', { ...samples.Heartbeat, nonce: 9n });
    const codeOf = (promise: Promise<unknown>) =>
      promise.then(
        () => 'no error',
        (error: unknown) => (isIdlegridError(error) ? error.code : error),
      );
    expect(await codeOf(publisher.gossip.publish(OFFERS_TOPIC, heartbeat))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(publisher.gossip.publish('idlegrid/bribes/1', heartbeat))).toBe('INVALID_ARGUMENT');
  });
});
