import {
  CoordinatorMesh,
  createGossipHost,
  type GossipServices,
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
 * through up to three started before it and links to those it hears of (up to the default cap). An offer signed by a
 * fresh provider is relayed by a random coordinator; the time until the last of the others has
 * it is one trial.
 */
/** How long the mesh has to form before offers are sent anyway, and each offer to reach every coordinator. */
const FORMATION_LIMIT_MS = 120_000;
const TRIAL_LIMIT_MS = 10_000;

const SIZES = [
  { coordinators: 3, trials: 30, announceMs: 2_000, simulated: false },
  { coordinators: 10, trials: 30, announceMs: 2_000, simulated: false },
  // A hundred coordinators announcing every 2 s are 50 signed messages a second, each checked by
  // every coordinator: on 2 cores, in one process, more than the machine verifies. Every 30 s here,
  // and simulated (see SIMULATED).
  { coordinators: 100, trials: 10, announceMs: 30_000, simulated: true },
];

/**
 * What a hundred hosts on one event loop cannot afford, and a hundred machines do not share:
 * gossipsub's envelope signatures (libp2p checks secp256k1 ones in pure JS, 31% of the CPU in a
 * profile; every payload is an EIP-712 message its author signed, checked natively either way),
 * and libp2p's connection monitor, which takes the loop's late pongs for dead peers and tears
 * the mesh down in waves.
 */
const SIMULATED = {
  gossipsub: { globalSignaturePolicy: 'StrictNoSign' as const },
  closeSilentConnections: false,
};

interface Node {
  host: P2PHost<GossipServices>;
  gossip: Libp2pGossip;
  mesh: CoordinatorMesh;
}

async function startNode(peers: readonly string[], announceMs: number, simulated: boolean): Promise<Node> {
  const privateKey = generatePrivateKey();
  const host = await createGossipHost({ privateKey, ...(simulated ? SIMULATED : {}) });
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
    bootstrap: peers,
    announceMs,
  });
  await host.start();
  gossip.start();
  mesh.start();
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
async function convergence(
  size: number,
  trials: number,
  announceMs: number,
  simulated: boolean,
): Promise<string[]> {
  const nodes: Node[] = [];
  try {
    const first = await startNode([], announceMs, simulated);
    nodes.push(first);
    for (let i = 1; i < size; i++) {
      // Each joins through up to three coordinators started before it, as an operator lists a few known ones.
      const through = new Set([0, Math.floor(Math.random() * i), Math.floor(Math.random() * i)]);
      nodes.push(
        await startNode(
          [...through].map((k) => nodes[k]!.host.multiaddrs()[0]!),
          announceMs,
          simulated,
        ),
      );
    }
    const formedMs = await until(
      () => nodes.every((node) => node.mesh.coordinators().length === size - 1),
      FORMATION_LIMIT_MS,
      'every coordinator to hear of every other',
    ).catch(() => undefined);
    const times: number[] = [];
    const reached: number[] = [];
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
      let count = 0;
      const offs: (() => void)[] = [];
      const all = new Promise<number>((resolve) => {
        for (const node of others) {
          const off = node.mesh.onProvider((known: MeshProvider) => {
            if (known.offer.provider !== provider.address) return;
            off();
            if (++count === others.length) resolve(performance.now());
          });
          offs.push(off);
        }
      });
      const sent = performance.now();
      relay.mesh.relayOffer(offer);
      const last = await Promise.race([
        all,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), TRIAL_LIMIT_MS)),
      ]);
      for (const off of offs) off();
      if (last !== undefined) times.push(last - sent);
      reached.push(count / others.length);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const links = median(nodes.map((node) => node.host.peers().length));
    const formed = formedMs === undefined ? `not within ${FORMATION_LIMIT_MS / 1000} s` : ms(formedMs);
    const allReached = `${times.length} of ${trials}`;
    const least = `${(Math.min(...reached) * 100).toFixed(0)}%`;
    const sorted = times.sort((x, y) => x - y);
    console.log(`mesh: ${size} coordinators: formed ${formed}, offer to all ${allReached}, fewest ${least}`);
    return [
      String(size),
      `${announceMs / 1000} s`,
      String(links),
      formed,
      allReached,
      least,
      sorted.length ? ms(median(sorted)) : '-',
      sorted.length ? ms(Math.max(...sorted)) : '-',
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
  for (const { coordinators, trials, announceMs, simulated } of SIZES)
    rows.push(await convergence(coordinators, trials, announceMs, simulated));
  return [
    '## Mesh: offers across the coordinators',
    '',
    machineLine(),
    '',
    'N coordinators in one process, each a real libp2p host (TCP on 127.0.0.1, noise, yamux, gossipsub with its default settings) running the coordinators\' mesh code: each joins through up to three coordinators started before it (the first among them) and dials those it hears of in announcements, up to 12. "Formed": from the last start until every coordinator has heard every other\'s announcement. Then an offer signed by a fresh provider is relayed by a random coordinator, in each trial: did it reach every other coordinator (verified and kept) within 10 s, the share of them the least-reached one got to, and how long the last of them took.',
    '',
    "3 and 10 coordinators run as deployed. 100 in one process are a simulation: one event loop carries all 100 hosts' gossip, noise and yamux, so two things a hundred machines do not share are turned off. Gossipsub's envelope signatures are off: libp2p checks secp256k1 ones in pure JS, 31% of the CPU in a profile, and every payload is an EIP-712 message signed by its author and checked natively either way. libp2p's connection monitor is off too: it takes the busy loop's late pongs for dead peers and tears the mesh down in waves. With either one on, the hundred do not form within 120 s on this machine. The coordinators' mesh code, gossipsub's routing and every message check run as deployed.",
    '',
    markdownTable(
      [
        'coordinators',
        'announced every',
        'links each (median)',
        'formed ms',
        'offers that reached all within 10 s',
        'fewest reached',
        'to all: median ms',
        'max ms',
      ],
      rows,
    ),
  ].join('\n');
}
