import './polyfills.js';
import { IdlegridError, localAccount } from '@idlegrid/protocol';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { AbortOptions, Libp2p } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type ServiceFactoryMap } from 'libp2p';
import type { Address, Hex } from 'viem';
import { withCoalescedWrites } from './coalesced-writes.js';
import { gossipScoreParams } from './gossip-scoring.js';
import { libp2pKeyOfWallet } from './identity.js';
import { installLazyWindowUpdates } from './yamux-window-updates.js';

export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0'] as const;

export type HostServices = { identify: Identify };
/** A host that also gossips: a coordinator's (the mesh's offers, heartbeats and coordinators). */
export type GossipServices = HostServices & { pubsub: GossipSub };
export type IdlegridLibp2p<S extends HostServices = HostServices> = Libp2p<S>;

export interface P2PHostOptions {
  /** The node's wallet key (0x + 32 bytes hex): its Ethereum account and its peer identity. */
  privateKey: Hex;
  /** Multiaddrs to listen on; loopback on a free port by default. */
  listen?: readonly string[];
  /**
   * Addresses told to peers beside the listening ones, e.g. a public IP or a forwarded port.
   * libp2p tells a public listening address only once it is verified (AutoNAT) or announced.
   */
  announce?: readonly string[];
  /** Multiaddrs (with /p2p/<id>) dialled on start; failures are reported, not thrown. */
  bootstrap?: readonly string[];
  /**
   * Circuit relay v2, with DCUtR to upgrade relayed connections to direct ones where a hole can
   * be punched. `server`: relays for the peers that reserve a slot (coordinators, public by
   * role); `client`: reserves a slot on the relays it is connected to, so that it can be
   * reached through them even when it cannot be dialled (providers behind NAT).
   */
  relay?: 'server' | 'client';
  /**
   * Whether this node may dial an address (any dial, libp2p's own included). A provider dials
   * its coordinators only where they were vouched for (its configuration, its coordinator's mesh
   * list, the on-chain registry), not wherever a peer's identify message says it listens.
   */
  allowDial?: (address: string) => boolean;
  /**
   * Close connections whose pings go unanswered in time (libp2p's connection monitor; default
   * true). Off only where a hundred hosts share one event loop (the mesh simulation): their late
   * answers are a busy loop, not dead peers.
   */
  closeSilentConnections?: boolean;
}

/** A coordinator relays for every provider joined to it: well above libp2p's default of 15. */
const MAX_RELAY_RESERVATIONS = 4_096;

export interface BootstrapResult {
  connected: string[];
  failed: { multiaddr: string; error: IdlegridError }[];
}

export interface P2PHost<S extends HostServices = HostServices> {
  readonly peerId: string;
  /** The Ethereum address of the wallet key, which is also the peer's address. */
  readonly address: Address;
  readonly libp2p: IdlegridLibp2p<S>;
  /** Listening addresses, each ending in /p2p/<peer id>; empty until started. */
  multiaddrs(): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Connects to a peer; resolves with its peer id. Throws P2P_UNREACHABLE. */
  dial(address: string, options?: AbortOptions): Promise<string>;
  bootstrap(addresses: readonly string[], options?: AbortOptions): Promise<BootstrapResult>;
  /** Peers with an open connection. */
  peers(): string[];
}

/**
 * Builds (without starting) a libp2p host: tcp + noise + yamux + identify. A provider's: it
 * talks to its coordinators over streams and takes no part in their gossip.
 */
export function createP2PHost(options: P2PHostOptions): Promise<P2PHost> {
  return buildHost(options, {});
}

/**
 * Builds (without starting) a host that also gossips (gossipsub): a coordinator's. Gossipsub is
 * loaded here only, so that a provider's start does not pay for it (`gossipsub`: tuning, e.g. a
 * short `heartbeatInterval` in tests).
 */
export async function createGossipHost(
  options: P2PHostOptions & { gossipsub?: Partial<GossipsubOpts> },
): Promise<P2PHost<GossipServices>> {
  const { gossipsub } = await import('@libp2p/gossipsub');
  return buildHost(options, {
    pubsub: gossipsub({
      allowPublishToZeroTopicPeers: true,
      scoreParams: gossipScoreParams(),
      ...options.gossipsub,
    }),
  });
}

async function buildHost<S extends HostServices>(
  options: P2PHostOptions,
  extraServices: ServiceFactoryMap<Omit<S, keyof HostServices>>,
): Promise<P2PHost<S>> {
  installLazyWindowUpdates();
  const key = libp2pKeyOfWallet(options.privateKey);
  for (const [use, addresses] of [
    ['listen on', options.listen],
    ['announce', options.announce],
  ] as const) {
    for (const address of addresses ?? []) {
      try {
        multiaddr(address);
      } catch (cause) {
        throw new IdlegridError('INVALID_ARGUMENT', `not a multiaddr to ${use}: ${address}`, { cause });
      }
    }
  }
  const libp2p = await createLibp2p({
    start: false,
    privateKey: key,
    addresses: {
      listen: [
        ...(options.listen ?? DEFAULT_LISTEN),
        ...(options.relay === 'client' ? ['/p2p-circuit'] : []),
      ],
      appendAnnounce: [...(options.announce ?? [])],
    },
    // The defaults (5 inbound connections per second per IP, 10 being set up at once) refuse a
    // coordinator's providers when several start at once behind one address (a localnet, a NAT),
    // and the coordinators of a mesh that all dial a newcomer when they hear of it.
    connectionManager: { inboundConnectionThreshold: 100, maxIncomingPendingConnections: 100 },
    transports: options.relay ? [tcp(), circuitRelayTransport()] : [tcp()],
    ...(options.closeSilentConnections === false ? { connectionMonitor: { enabled: false } } : {}),
    ...(options.allowDial
      ? { connectionGater: { denyDialMultiaddr: (address) => !options.allowDial!(address.toString()) } }
      : {}),
    connectionEncrypters: [withCoalescedWrites(noise())],
    streamMuxers: [yamux()],
    // Relay and DCUtR run beside the typed services: nothing here calls them.
    services: {
      ...relayServices(options.relay),
      identify: identify(),
      ...extraServices,
    } as ServiceFactoryMap<S>,
  });
  const host: P2PHost<S> = {
    peerId: libp2p.peerId.toString(),
    address: localAccount(options.privateKey).address,
    libp2p,
    multiaddrs: () => libp2p.getMultiaddrs().map((address) => address.toString()),
    async start() {
      await libp2p.start();
      if (options.bootstrap?.length) await host.bootstrap(options.bootstrap);
    },
    async stop() {
      await libp2p.stop();
    },
    async dial(address, dialOptions) {
      if (libp2p.status !== 'started')
        throw new IdlegridError('P2P_NOT_STARTED', 'the p2p host is not started');
      let target: ReturnType<typeof multiaddr>;
      try {
        target = multiaddr(address);
      } catch (cause) {
        throw new IdlegridError('INVALID_ARGUMENT', `not a multiaddr: ${address}`, { cause });
      }
      try {
        const connection = await libp2p.dial(target, dialOptions);
        return connection.remotePeer.toString();
      } catch (cause) {
        throw new IdlegridError('P2P_UNREACHABLE', `cannot dial ${address}`, {
          cause,
          details: { multiaddr: address },
        });
      }
    },
    async bootstrap(addresses, dialOptions) {
      const result: BootstrapResult = { connected: [], failed: [] };
      await Promise.all(
        addresses.map(async (address) => {
          try {
            result.connected.push(await host.dial(address, dialOptions));
          } catch (error) {
            result.failed.push({ multiaddr: address, error: error as IdlegridError });
          }
        }),
      );
      return result;
    },
    peers: () => libp2p.getPeers().map((peer) => peer.toString()),
  };
  return host;
}

function relayServices(role: P2PHostOptions['relay']) {
  if (!role) return {};
  // The mesh's own jobs travel over relayed connections until DCUtR replaces them: no limit
  // on their duration or bytes (libp2p's default cuts them at 2 minutes and 128 KiB).
  const server =
    role === 'server'
      ? {
          relay: circuitRelayServer({
            reservations: { maxReservations: MAX_RELAY_RESERVATIONS, applyDefaultLimit: false },
          }),
        }
      : {};
  return { ...server, dcutr: dcutr() };
}
