import { localAccount, networkDomain, signMessage, toWireJson } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import type { GossipServices, P2PHost } from '../p2p/host.js';
import { peerIdOfWallet } from '../p2p/identity.js';
import { Libp2pGossip } from '../p2p/libp2p-gossip.js';
import { startTestHost, waitFor } from '../p2p/testing.js';
import { OFFERS_TOPIC } from '../p2p/topics.js';
import { CoordinatorMesh } from './coordinator-mesh.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');

interface Node {
  host: P2PHost<GossipServices>;
  gossip: Libp2pGossip;
  mesh: CoordinatorMesh;
}

const nodes: Node[] = [];

/** A coordinator's mesh on a real libp2p host, joined through `peers`. */
async function startNode(
  peers: readonly string[] = [],
  punishments: { trusts?: (coordinator: string) => Promise<boolean>; heard?: string[] } = {},
  allowDial?: () => boolean,
): Promise<Node> {
  const host = await startTestHost(allowDial ? { allowDial } : {});
  const gossip = new Libp2pGossip({ domain }, { pubsub: host.libp2p.services.pubsub });
  const mesh = new CoordinatorMesh({
    gossip,
    signer: localAccount(host.privateKey),
    domain,
    announceMs: 150,
    self: () => ({ apiUrl: `http://127.0.0.1/${host.peerId}`, p2p: host.multiaddrs(), providers: 0 }),
    dial: async (addresses) => {
      await host.bootstrap(addresses);
    },
    peers: () => host.peers(),
    bootstrap: peers,
    ...(punishments.trusts ? { trusts: punishments.trusts } : {}),
    onPunishment: ({ provider }) => punishments.heard?.push(provider),
  });
  gossip.start();
  mesh.start();
  const node = { host, gossip, mesh };
  nodes.push(node);
  return node;
}

async function stop(node: Node): Promise<void> {
  node.mesh.stop();
  node.gossip.stop();
  await node.host.stop();
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await stop(node);
});

const knows = (node: Node, others: readonly Node[]) =>
  others.every((other) => node.mesh.coordinators().some((c) => c.address === other.host.address));

describe('the mesh of coordinators', () => {
  it('links every coordinator to every other from one peer each, and survives losing the one they joined through', async () => {
    const first = await startNode();
    const second = await startNode(first.host.multiaddrs());
    const third = await startNode(first.host.multiaddrs());
    await waitFor(
      () => knows(first, [second, third]) && knows(second, [first, third]) && knows(third, [first, second]),
      10_000,
      'every coordinator to hear of every other',
    );
    // The third heard of the second through the first, and dialled it.
    await waitFor(() => third.host.peers().includes(second.host.peerId), 10_000, 'a direct link');
    expect(second.mesh.coordinators().find((c) => c.address === third.host.address)).toMatchObject({
      apiUrl: `http://127.0.0.1/${third.host.peerId}`,
      p2p: third.host.multiaddrs(),
    });

    await stop(first);
    nodes.splice(nodes.indexOf(first), 1);
    const provider = privateKeyToAccount(generatePrivateKey());
    const samples = sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n);
    const offer = await signMessage(provider, domain, 'Offer', samples.Offer);
    // Relayed by the second, heard by the third: the mesh holds without the first.
    await waitFor(
      () => {
        second.mesh.relayOffer({ ...offer, message: { ...offer.message } });
        return third.mesh.providers().some((p) => p.offer.provider === provider.address);
      },
      10_000,
      'the offer across the mesh',
    );
    // The first is forgotten once it stops announcing.
    await waitFor(() => !knows(second, [first]), 10_000, 'the lost coordinator to leave the list');
  });

  it("names a relayed provider's peer and the coordinator it came through, and tells a newcomer of it", async () => {
    const first = await startNode();
    const second = await startNode(first.host.multiaddrs());
    await waitFor(() => knows(second, [first]) && knows(first, [second]), 10_000, 'the mesh');
    const providerKey = generatePrivateKey();
    const provider = privateKeyToAccount(providerKey);
    const samples = sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n);
    const offer = await signMessage(provider, domain, 'Offer', samples.Offer);
    const heard = (node: Node) => node.mesh.providers().find((p) => p.offer.provider === provider.address);
    await waitFor(
      () => {
        first.mesh.relayOffer(offer);
        return heard(second) !== undefined;
      },
      10_000,
      'the offer across the mesh',
    );
    // Its peer id is the signer's (not whatever peer relayed it), reached through the first's relay.
    expect(heard(second)).toMatchObject({ peer: peerIdOfWallet(providerKey), via: first.host.peerId });
    expect(second.mesh.routesTo(heard(second)!)).toEqual(
      first.host.multiaddrs().map((address) => `${address}/p2p-circuit/p2p/${peerIdOfWallet(providerKey)}`),
    );
    // A coordinator that appears later hears of it too, without the provider offering again.
    const third = await startNode(first.host.multiaddrs());
    await waitFor(() => heard(third) !== undefined, 10_000, 'the newcomer to hear of the provider');
    expect(heard(third)?.via).toBe(first.host.peerId);
  });

  it('heals after a coordinator is cut off from the mesh, and offers converge again', async () => {
    const first = await startNode();
    const second = await startNode(first.host.multiaddrs());
    let linked = true;
    const cutOff = await startNode(first.host.multiaddrs(), {}, () => linked);
    await waitFor(() => knows(cutOff, [first, second]) && knows(first, [cutOff]), 10_000, 'the mesh');

    // Cut: it can dial no one, and every connection it has (one dialled to it just before the
    // cut, say) drops, as across a cut link, until both sides have forgotten each other.
    linked = false;
    const cut = () => {
      for (const peer of cutOff.host.libp2p.getPeers()) void cutOff.host.libp2p.hangUp(peer).catch(() => {});
    };
    await waitFor(
      () => {
        cut();
        return !knows(first, [cutOff]) && !knows(cutOff, [first]);
      },
      10_000,
      'both sides to forget',
    );
    cut();
    const provider = privateKeyToAccount(generatePrivateKey());
    const samples = sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n);
    const offer = await signMessage(provider, domain, 'Offer', samples.Offer);
    const heard = (node: Node) => node.mesh.providers().some((p) => p.offer.provider === provider.address);
    await waitFor(
      () => {
        first.mesh.relayOffer(offer);
        return heard(second);
      },
      10_000,
      'the offer to reach the rest of the mesh',
    );
    expect(heard(cutOff)).toBe(false);

    // Healed: it joins again through the coordinator it started from, and hears of the provider
    // without the provider offering again (the first tells a coordinator back from the gone).
    linked = true;
    await waitFor(() => knows(first, [cutOff]) && knows(cutOff, [first, second]), 10_000, 'the mesh to heal');
    await waitFor(() => heard(cutOff), 10_000, 'the offer to converge');
  });

  it("drops an offer altered by the coordinator relaying it: it is its provider's signature that counts", async () => {
    const first = await startNode();
    const second = await startNode(first.host.multiaddrs());
    await waitFor(() => knows(second, [first]) && knows(first, [second]), 10_000, 'the mesh');
    await waitFor(
      () => first.gossip.subscribers(OFFERS_TOPIC).includes(second.host.peerId),
      10_000,
      'subscriptions',
    );
    const provider = privateKeyToAccount(generatePrivateKey());
    const samples = sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n);
    const offer = await signMessage(provider, domain, 'Offer', samples.Offer);
    const altered = { ...offer, message: { ...offer.message, pricePerCpuSecond: 1n } };
    await first.host.libp2p.services.pubsub.publish(
      OFFERS_TOPIC,
      new TextEncoder().encode(toWireJson(altered)),
    );
    await waitFor(() => second.gossip.stats.dropped > 0, 5_000, 'the altered offer to be dropped');
    expect(second.gossip.stats.droppedByCode.SIGNER_MISMATCH).toBe(1);
    expect(second.mesh.providers()).toEqual([]);
    // The relaying coordinator is scored below gossipsub's graylist threshold: what it sends is ignored.
    // The GossipSub class has getScore; its exported interface does not.
    const scores = second.host.libp2p.services.pubsub as unknown as { getScore(peer: string): number };
    await waitFor(
      () => scores.getScore(first.host.peerId) < -80,
      5_000,
      'the relaying coordinator to be scored down',
    );
  });

  it('tells every coordinator of a provider punished by one; a coordinator not trusted to slash is not believed', async () => {
    const slasher = await startNode();
    const heard: string[] = [];
    const asked: string[] = [];
    const listener = await startNode(slasher.host.multiaddrs(), {
      heard,
      trusts: async (coordinator) => {
        asked.push(coordinator);
        return coordinator === slasher.host.address;
      },
    });
    const impostor = await startNode(slasher.host.multiaddrs());
    await waitFor(
      () => knows(listener, [slasher, impostor]) && knows(impostor, [listener]),
      10_000,
      'the mesh',
    );
    const cheat = privateKeyToAccount(generatePrivateKey()).address;
    const honest = privateKeyToAccount(generatePrivateKey()).address;
    const evidenceHash = `0x${'ab'.repeat(32)}` as const;
    await impostor.mesh.announcePunishment({ provider: honest, reason: 'canary-failed', evidenceHash });
    // As punish() hands it over: with its evidence CID and transaction, which the notice leaves out.
    const punishment = {
      provider: cheat,
      reason: 'canary-failed',
      evidenceHash,
      evidenceCid: 'bafy',
      transaction: '0x1',
    };
    await slasher.mesh.announcePunishment(punishment);
    // Both notices arrived and were weighed: only the slasher's was believed.
    await waitFor(() => asked.length === 2, 10_000, 'both punishments to arrive');
    expect(asked.sort()).toEqual([slasher.host.address, impostor.host.address].sort());
    expect(heard).toEqual([cheat]);
    expect(listener.mesh.punishments()).toMatchObject([
      { provider: cheat, coordinator: slasher.host.address, reason: 'canary-failed', evidenceHash },
    ]);
  });
});
