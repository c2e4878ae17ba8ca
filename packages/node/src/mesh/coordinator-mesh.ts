import {
  type Heartbeat,
  type NetworkDomain,
  type Offer,
  type PunishmentNotice,
  type SignedMessage,
  signMessage,
  type TypedDataSigner,
  type VerifiedMessage,
} from '@idlegrid/protocol';
import type { Address, Hex } from 'viem';
import type { Gossip } from '../p2p/api.js';
import { peerIdOfSigner } from '../p2p/identity.js';
import { COORDINATORS_TOPIC, HEARTBEATS_TOPIC, OFFERS_TOPIC, PUNISHMENTS_TOPIC } from '../p2p/topics.js';

/** The peer id a multiaddr ends with (`.../p2p/<id>`), or ''. */
function peerIdIn(address: string): string {
  return /\/p2p\/([^/]+)$/.exec(address)?.[1] ?? '';
}

/** A coordinator of the mesh, as its last announcement says. */
export interface MeshCoordinator {
  address: Address;
  apiUrl: string;
  p2p: string[];
  providers: number;
  /** When its last announcement arrived, ms. */
  seenAt: number;
}

/** A provider another coordinator of the mesh punished, as its notice says. */
export interface MeshPunishment {
  provider: Address;
  coordinator: Address;
  reason: string;
  evidenceHash: Hex;
  at: number;
}

/** A provider known through the mesh: its signed offer (and heartbeat), relayed by the coordinator it is joined to. */
export interface MeshProvider {
  offer: Offer;
  heartbeat?: Heartbeat;
  seenAt: number;
  /** Its peer id, recovered from its offer's signature. */
  peer: string;
  /** The peer id of the coordinator that relayed its offer: the one it is joined to. */
  via: string | undefined;
}

export interface CoordinatorMeshDeps {
  gossip: Gossip;
  signer: TypedDataSigner;
  domain: NetworkDomain;
  /** What this coordinator announces: its API, its p2p addresses, its providers now. */
  self: () => { apiUrl: string; p2p: string[]; providers: number };
  /** Dials a coordinator first heard of through the mesh (its p2p addresses), so that the mesh does not hang on the peers it started from. */
  dial: (p2p: readonly string[]) => Promise<void>;
  /** Peer ids this host has a connection with now. */
  peers: () => readonly string[];
  /** Coordinators it joined the mesh through: dialled again whenever it is linked to none (cut off, or they were down at its start). */
  bootstrap?: readonly string[];
  /**
   * More coordinators to join through when linked to none (the on-chain registry's): a coordinator
   * the others joined through, restarted, has no bootstrap of its own. Asked at most every 10 s.
   */
  discover?: () => Promise<readonly string[]>;
  /** Coordinators it links to at most by dialling those it hears of (default 12): enough for gossip to route around losses without a connection to every one. */
  maxLinks?: number;
  /**
   * A punishment another coordinator announced, from one this coordinator trusts to punish (see
   * `trusts`): the provider is to be avoided here too.
   */
  onPunishment?: (punishment: MeshPunishment) => void;
  /** Whether a coordinator may punish (it holds the verifier role on-chain); every one when absent. */
  trusts?: (coordinator: Address) => Promise<boolean>;
  /** How often it announces itself (default 2 s); a coordinator unheard for 3 periods has left. */
  announceMs?: number;
  now?: () => number;
}

/**
 * This coordinator's place in the mesh of coordinators: it announces itself, relays its own
 * providers' signed offers and heartbeats (their authors' signatures, checked on receipt by
 * every coordinator), and keeps what the others announce and relay. A coordinator heard of for
 * the first time is dialled (up to `maxLinks` of them), so that the mesh does not hang on the
 * peers a coordinator joined through: it survives the loss of any one of them.
 */
export class CoordinatorMesh {
  readonly #coordinators = new Map<string, MeshCoordinator>();
  readonly #providers = new Map<string, MeshProvider>();
  readonly #punishments: MeshPunishment[] = [];
  readonly #listeners = new Set<(provider: MeshProvider) => void>();
  readonly #beatListeners = new Set<(heartbeat: Heartbeat) => void>();
  /** The latest offer of each provider joined here: told again to a coordinator that newly appears. */
  readonly #relayed = new Map<string, SignedMessage<'Offer'>>();
  readonly #unsubscribe: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nonce = BigInt(Date.now()) * 1000n;
  #nextDiscovery = 0;

  constructor(private readonly deps: CoordinatorMeshDeps) {}

  get #announceMs(): number {
    return this.deps.announceMs ?? 2_000;
  }

  start(): void {
    const { gossip } = this.deps;
    this.#unsubscribe.push(
      gossip.subscribe(COORDINATORS_TOPIC, (message) =>
        this.#announced(message as VerifiedMessage<'CoordinatorAnnounce'>),
      ),
      gossip.subscribe(
        OFFERS_TOPIC,
        (message, { origin }) =>
          void this.#offered(message as VerifiedMessage<'Offer'>, origin).catch(() => {}),
      ),
      gossip.subscribe(HEARTBEATS_TOPIC, (message) =>
        this.#beat((message as VerifiedMessage<'Heartbeat'>).message),
      ),
      gossip.subscribe(
        PUNISHMENTS_TOPIC,
        (message) =>
          void this.#punished((message as VerifiedMessage<'PunishmentNotice'>).message).catch(() => {}),
      ),
    );
    const beat = () => {
      // An announcement that cannot be made (an API address the schema refuses) is skipped, not fatal.
      void this.announce().catch(() => {});
      if (this.#links() === 0) void this.#rejoin().catch(() => {});
      // Each period a little longer or shorter: coordinators started together do not all announce
      // (and check each other's announcements) in the same instant, period after period.
      this.#timer = setTimeout(beat, this.#announceMs * (0.75 + Math.random() * 0.5));
      this.#timer.unref?.();
    };
    beat();
  }

  /** Linked to no coordinator: dials those it started from, and those the registry lists. */
  async #rejoin(): Promise<void> {
    const known = [...(this.deps.bootstrap ?? [])];
    if (this.deps.discover && this.#now() >= this.#nextDiscovery) {
      this.#nextDiscovery = this.#now() + 10_000;
      const self = new Set(this.deps.self().p2p.map(peerIdIn));
      for (const address of await this.deps.discover())
        if (!self.has(peerIdIn(address)) && !known.includes(address)) known.push(address);
    }
    if (known.length > 0) await this.deps.dial(known);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  /** Tells the mesh this coordinator is here (also every `announceMs`). */
  async announce(): Promise<void> {
    const self = this.deps.self();
    const announcement = await signMessage(this.deps.signer, this.deps.domain, 'CoordinatorAnnounce', {
      coordinator: this.deps.signer.address,
      apiUrl: self.apiUrl,
      p2p: self.p2p.slice(0, 8),
      providers: self.providers,
      nonce: ++this.#nonce,
      expiry: BigInt(Math.floor(this.#now() / 1000) + Math.ceil((3 * this.#announceMs) / 1000) + 1),
    });
    await this.deps.gossip.publish(COORDINATORS_TOPIC, announcement).catch(() => {});
  }

  /** A provider joined here sent a signed offer: the mesh learns it, signed by the provider. */
  relayOffer(offer: SignedMessage<'Offer'>): void {
    this.#relayed.set(offer.message.provider.toLowerCase(), offer);
    void this.deps.gossip.publish(OFFERS_TOPIC, offer).catch(() => {});
  }

  /**
   * Publishes again the unexpired offers of the providers joined here: a coordinator that just
   * appeared would otherwise learn of them only when each renews its offer, minutes later.
   * Those that heard them already drop the copies as replays.
   */
  #relayAgain(): void {
    const nowSeconds = BigInt(Math.floor(this.#now() / 1000));
    for (const [key, offer] of this.#relayed) {
      if (offer.message.expiry < nowSeconds) this.#relayed.delete(key);
      else void this.deps.gossip.publish(OFFERS_TOPIC, offer).catch(() => {});
    }
  }

  relayHeartbeat(heartbeat: SignedMessage<'Heartbeat'>): void {
    void this.deps.gossip.publish(HEARTBEATS_TOPIC, heartbeat).catch(() => {});
  }

  /** This coordinator punished a provider: the mesh is told, so that every coordinator avoids it. */
  async announcePunishment(punishment: {
    provider: Address;
    reason: string;
    evidenceHash: Hex;
  }): Promise<void> {
    const notice = await signMessage(this.deps.signer, this.deps.domain, 'PunishmentNotice', {
      coordinator: this.deps.signer.address,
      // Named one by one: the punishment passed in may carry more (its evidence CID, its transaction).
      provider: punishment.provider,
      reason: punishment.reason,
      evidenceHash: punishment.evidenceHash,
      nonce: ++this.#nonce,
      expiry: BigInt(Math.floor(this.#now() / 1000) + 3_600),
    });
    await this.deps.gossip.publish(PUNISHMENTS_TOPIC, notice).catch(() => {});
  }

  /** The punishments other coordinators announced, newest last (the latest 1,000). */
  punishments(): MeshPunishment[] {
    return [...this.#punishments];
  }

  /** The other coordinators heard from lately, by address. */
  coordinators(): MeshCoordinator[] {
    const since = this.#now() - 3 * this.#announceMs;
    return [...this.#coordinators.values()].filter((c) => c.seenAt >= since);
  }

  /** Providers joined to other coordinators whose offers are still valid. */
  providers(): MeshProvider[] {
    const nowSeconds = BigInt(Math.floor(this.#now() / 1000));
    return [...this.#providers.values()].filter((p) => p.offer.expiry >= nowSeconds);
  }

  /** Called with each provider offer that arrives through the mesh; returns the unsubscribe function. */
  onProvider(listener: (provider: MeshProvider) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called with each heartbeat of a provider known through the mesh; returns the unsubscribe function. */
  onHeartbeat(listener: (heartbeat: Heartbeat) => void): () => void {
    this.#beatListeners.add(listener);
    return () => this.#beatListeners.delete(listener);
  }

  /**
   * Where a provider joined to another coordinator can be reached: through that coordinator's
   * relay (circuit relay v2), which works also when the provider cannot be dialled; DCUtR then
   * replaces the relayed connection by a direct one where a hole can be punched.
   */
  routesTo(provider: MeshProvider): string[] {
    if (!provider.via) return [];
    // Its last known addresses, even if its announcements are late: the dial will tell.
    const relay = [...this.#coordinators.values()].find((c) =>
      c.p2p.some((address) => peerIdIn(address) === provider.via),
    );
    return (relay?.p2p ?? [])
      .filter((address) => !address.includes('/p2p-circuit'))
      .map((address) => `${address}/p2p-circuit/p2p/${provider.peer}`);
  }

  #announced({ message }: VerifiedMessage<'CoordinatorAnnounce'>): void {
    if (message.coordinator === this.deps.signer.address) return;
    const key = message.coordinator.toLowerCase();
    // New, or back after it was gone (a restart forgets what it heard).
    const previous = this.#coordinators.get(key);
    const known = previous !== undefined && previous.seenAt >= this.#now() - 3 * this.#announceMs;
    this.#coordinators.set(key, {
      address: message.coordinator,
      apiUrl: message.apiUrl,
      p2p: message.p2p,
      providers: message.providers,
      seenAt: this.#now(),
    });
    if (known) return;
    // Once linked (gossip needs a moment to graft the newcomer), it hears of our providers.
    setTimeout(() => this.#relayAgain(), this.#announceMs).unref?.();
    if (this.#links() < (this.deps.maxLinks ?? 12)) void this.deps.dial(message.p2p).catch(() => {});
  }

  /** How many coordinators of the mesh this host is connected to. */
  #links(): number {
    const peers = new Set(this.deps.peers());
    return this.coordinators().filter((c) => c.p2p.some((address) => peers.has(peerIdIn(address)))).length;
  }

  async #offered({ message: offer, signature }: VerifiedMessage<'Offer'>, origin: string | undefined) {
    const key = offer.provider.toLowerCase();
    const known = this.#providers.get(key);
    const peer = known?.peer ?? (await peerIdOfSigner(this.deps.domain, 'Offer', offer, signature as Hex));
    const provider: MeshProvider = { ...known, offer, seenAt: this.#now(), peer, via: origin };
    this.#providers.set(key, provider);
    for (const listener of this.#listeners) listener(provider);
  }

  async #punished(notice: PunishmentNotice): Promise<void> {
    if (notice.coordinator === this.deps.signer.address) return;
    if (this.deps.trusts && !(await this.deps.trusts(notice.coordinator).catch(() => false))) return;
    const punishment: MeshPunishment = {
      provider: notice.provider,
      coordinator: notice.coordinator,
      reason: notice.reason,
      evidenceHash: notice.evidenceHash as Hex,
      at: this.#now(),
    };
    this.#punishments.push(punishment);
    if (this.#punishments.length > 1_000) this.#punishments.shift();
    this.deps.onPunishment?.(punishment);
  }

  #beat(heartbeat: Heartbeat): void {
    const known = this.#providers.get(heartbeat.provider.toLowerCase());
    if (!known) return;
    Object.assign(known, { heartbeat, seenAt: this.#now() });
    for (const listener of this.#beatListeners) listener(heartbeat);
  }

  #now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
