import {
  CoordinatorMesh,
  createP2PHost,
  Libp2pGossip,
  type MeshProvider,
  type P2PHost,
} from '@idlegrid/node';
import { localAccount, signMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { domain } from './local-network.js';
import { machineLine, markdownTable } from './report.js';
import { median, ms } from './stats.js';

/**
 * How fast a provider's offer reaches every coordinator of the mesh (`npm run bench:mesh`):
 * N coordinators, each a real libp2p host (TCP on 127.0.0.1, noise, yamux, gossipsub with its
 * default settings) with the coordinators' real mesh code, all in this one process. Each joins
 * through the first and links to those it hears of (up to the default cap). An offer signed by a
 * fresh provider is relayed by a random coordinator; the time until the last of the others has
 * it is one trial.
 */
const SIZES = [
  { coordinators: 3, trials: 30 },
  { coordinators: 10, trials: 30 },
  { coordinators: 100, trials: 10 },
];

interface Node {
  host: P2PHost;
  gossip: Libp2pGossip;
  mesh: CoordinatorMesh;
}

async function startNode(peers: readonly string[]): Promise<Node> {
  const privateKey = generatePrivateKey();
  const host = await createP2PHost({ privateKey });
  const gossip = new Libp2pGossip({ domain }, { pubsub: host.libp2p.services.pubsub });
  const mesh = new CoordinatorMesh({
    gossip,
    signer: localAccount(privateKey),
    domain,
    self: () => ({ apiUrl: 'http://127.0.0.1:1', p2p: host.multiaddrs(), providers: 0 }),
    dial: async (addresses) => {
      await host.bootstrap(addresses);
    },
    peers: () => host.peers(),
  });
  await host.start();
  gossip.start();
  mesh.start();
  if (peers.length) await host.bootstrap(peers);
  return { host, gossip, mesh };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

/** Starts the mesh, waits until every coordinator knows every other, then times offers across it. */
async function convergence(size: number, trials: number): Promise<string[]> {
  const nodes: Node[] = [];
  try {
    const first = await startNode([]);
    nodes.push(first);
    for (let i = 1; i < size; i++) nodes.push(await startNode(first.host.multiaddrs()));
    const formedMs = await until(
      () => nodes.every((node) => node.mesh.coordinators().length === size - 1),
      120_000,
      'every coordinator to hear of every other',
    );
    const times: number[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const provider = privateKeyToAccount(generatePrivateKey());
      const offer = await signMessage(
        provider,
        domain,
        'Offer',
        sampleMessages(provider.address, BigInt(Math.floor(Date.now() / 1000)) + 600n).Offer,
      );
      const relay = nodes[Math.floor(Math.random() * size)]!;
      const others = nodes.filter((node) => node !== relay);
      const arrived = others.map(
        (node) =>
          new Promise<number>((resolve) => {
            const off = node.mesh.onProvider((known: MeshProvider) => {
              if (known.offer.provider !== provider.address) return;
              off();
              resolve(performance.now());
            });
          }),
      );
      const sent = performance.now();
      relay.mesh.relayOffer(offer);
      const last = Math.max(...(await Promise.all(arrived)));
      times.push(last - sent);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const links = median(nodes.map((node) => node.host.peers().length));
    console.log(
      `mesh: ${size} coordinators: formed in ${ms(formedMs)} ms, offer to all ${ms(median(times))} ms`,
    );
    return [
      String(size),
      String(links),
      ms(formedMs),
      ms(median(times)),
      ms(times.sort((a, b) => a - b)[Math.floor(times.length * 0.9)] ?? 0),
      ms(Math.max(...times)),
    ];
  } finally {
    for (const node of nodes) {
      node.mesh.stop();
      node.gossip.stop();
    }
    await Promise.all(nodes.map((node) => node.host.stop()));
  }
}

export async function runMeshBenchmark(): Promise<string> {
  const rows: string[][] = [];
  for (const { coordinators, trials } of SIZES) rows.push(await convergence(coordinators, trials));
  return [
    '## Mesh: offers across the coordinators',
    '',
    machineLine(),
    '',
    'N coordinators in one process, each a real libp2p host (TCP on 127.0.0.1, noise, yamux, gossipsub with its default settings) running the coordinators\' mesh code: each joins through the first and dials those it hears of in announcements, up to 12. "Formed": from the last start until every coordinator has heard every other\'s announcement (announced every 2 s). An offer signed by a fresh provider is relayed by a random coordinator; each trial is the time until the last of the others has verified and kept it.',
    '',
    markdownTable(
      ['coordinators', 'links each (median)', 'formed ms', 'offer to all: median ms', 'p90 ms', 'max ms'],
      rows,
    ),
  ].join('\n');
}
