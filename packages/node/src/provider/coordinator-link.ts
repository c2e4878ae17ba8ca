import { IdlegridError, type NetworkDomain, signMessage, type TypedDataSigner } from '@idlegrid/protocol';
import { type Address, isAddressEqual } from 'viem';
import { type HelloAck, helloAckSchema, JOB_MESSAGES } from '../jobs/wire.js';
import type { P2PHost } from '../p2p/host.js';
import { peerIdToAddress } from '../p2p/identity.js';
import type { Libp2pMessageChannel } from '../p2p/libp2p-channel.js';
import type { ProviderEvent } from './api.js';
import { type LoadSample, loadPermille } from './load.js';
import { type OfferTerms, signOffer } from './offer.js';

const AGENT = 'idlegrid-provider/0.1';
/** How long a coordinator has to take the connection before the next is tried. */
const DIAL_TIMEOUT_MS = 5_000;

export interface CoordinatorLinkDeps {
  signer: TypedDataSigner;
  domain: NetworkDomain;
  terms: OfferTerms;
  host: Pick<P2PHost, 'dial'>;
  channel: Pick<Libp2pMessageChannel, 'send' | 'request'>;
  /** The coordinators' multiaddrs (with their peer ids): the first is joined, the others when it cannot be. */
  coordinatorAddrs: readonly string[];
  /** Whether a coordinator is active in the registry: the only ones joined. Unchecked when absent (no chain). */
  coordinatorActive?: (coordinator: Address) => Promise<boolean>;
  /** More coordinators' multiaddrs (the registry's), asked only when none known answers. */
  discover?: () => Promise<string[]>;
  nextNonce: () => bigint;
  now: () => Date;
  load: () => LoadSample;
  /** Jobs this provider holds (running, answer undelivered or sealed): told in every hello. */
  heldJobs: () => string[];
  runningJobs: () => number;
  emit: (event: ProviderEvent) => void;
}

/**
 * The provider's side of its coordinator: the hello that (re)joins it, the signed offer kept
 * fresh, and the heartbeats. `hello` is set while joined; a lost connection clears it, and
 * the next beat says hello again (a restarted coordinator knows nothing of this provider).
 * A coordinator that cannot be joined, or is not active in the CoordinatorRegistry, is left
 * for the next: those configured, those of its mesh that the last coordinator named in its
 * hello, and last the registry's.
 */
export class CoordinatorLink {
  /** The peer id of the coordinator joined: dialled, and active in the registry. */
  peer = '';
  hello: HelloAck | undefined;
  /** The multiaddr of the coordinator joined last: tried first when joining again. */
  #joined: string;
  /** The mesh's other coordinators, as the last hello named them. */
  #mesh: string[] = [];
  /** Coordinators the registry listed when none known answered. */
  #discovered: string[] = [];
  #offerExpiresAt = 0;
  #heartbeatSequence = 0n;

  constructor(private readonly deps: CoordinatorLinkDeps) {
    const first = deps.coordinatorAddrs[0];
    if (first === undefined)
      throw new IdlegridError('INVALID_ARGUMENT', 'a provider needs a coordinator to join');
    this.#joined = first;
  }

  /** Joins the coordinator joined last, or the first of the others that answers; the last error when none does. */
  async join(): Promise<void> {
    const known = [...new Set([this.#joined, ...this.deps.coordinatorAddrs, ...this.#mesh])];
    let failure = await this.#joinFirst(known);
    if (failure === undefined) return;
    this.#discovered = (await this.deps.discover?.().catch(() => [])) ?? [];
    const more = this.#discovered.filter((address) => !known.includes(address));
    if (more.length > 0) failure = await this.#joinFirst(more);
    if (failure !== undefined) throw failure;
  }

  /** Joins the first candidate that answers and is active; the last error when none is. */
  async #joinFirst(candidates: readonly string[]): Promise<unknown> {
    let failure: unknown;
    for (const address of candidates) {
      try {
        const peer = await this.deps.host.dial(address, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) });
        const coordinator = peerIdToAddress(peer);
        if (this.deps.coordinatorActive && !(await this.deps.coordinatorActive(coordinator)))
          throw new IdlegridError(
            'COORDINATOR_UNREGISTERED',
            `coordinator ${coordinator} at ${address} is not active in the CoordinatorRegistry`,
            { details: { coordinator, address } },
          );
        // Obeyed (assignments, challenges) only from here: an unregistered peer never is.
        this.peer = peer;
        await this.#sendOffer('hello');
        this.#joined = address;
        return undefined;
      } catch (error) {
        failure = error;
      }
    }
    return failure ?? new IdlegridError('P2P_UNREACHABLE', 'no coordinator to join');
  }

  /**
   * Whether an address is one of a coordinator vouched for: configured, named by the mesh in a
   * hello, or listed in the registry. Compared without the peer id (and any relayed part).
   */
  vouchesFor(address: string): boolean {
    const host = hostPart(address);
    return [this.#joined, ...this.deps.coordinatorAddrs, ...this.#mesh, ...this.#discovered].some(
      (known) => hostPart(known) === host,
    );
  }

  /** Re-signs the offer when a third of its lifetime (or two beats) is left, or when forced. */
  async refreshOffer(force: boolean, heartbeatMs: number): Promise<void> {
    const ttlMs = this.deps.terms.ttlSeconds * 1000;
    const due = this.#offerExpiresAt - this.deps.now().getTime() < Math.max(ttlMs / 3, 2 * heartbeatMs);
    if (due || force) await this.#sendOffer('offer');
  }

  async heartbeat(): Promise<void> {
    const { signer, domain, now } = this.deps;
    const sample = this.deps.load();
    const heartbeat = await signMessage(signer, domain, 'Heartbeat', {
      provider: signer.address,
      sequence: ++this.#heartbeatSequence,
      cpuLoadPermille: loadPermille(sample.load1, this.deps.terms.hardware.cpuCores),
      memoryFreeMb: sample.memoryFreeMb,
      activeJobs: this.deps.runningJobs(),
      nonce: this.deps.nextNonce(),
      expiry: BigInt(Math.floor(now().getTime() / 1000) + 60),
    });
    await this.deps.channel.send(this.peer, JOB_MESSAGES.heartbeat, { heartbeat });
  }

  async #sendOffer(type: 'hello' | 'offer'): Promise<void> {
    const { signer, domain, terms, channel } = this.deps;
    const issued = this.deps.now();
    const offer = await signOffer(signer, domain, terms, this.deps.nextNonce(), issued);
    if (type === 'offer') await channel.send(this.peer, JOB_MESSAGES.offer, { offer });
    else {
      const ack = helloAckSchema.parse(
        await channel.request(this.peer, JOB_MESSAGES.hello, {
          offer,
          agent: AGENT,
          activeJobs: this.deps.heldJobs(),
        }),
      );
      checkAck(ack, peerIdToAddress(this.peer), domain);
      this.hello = ack;
      this.#mesh = ack.coordinators ?? [];
      this.deps.emit({ type: 'connected', coordinator: ack.coordinator, apiUrl: ack.apiUrl });
    }
    this.#offerExpiresAt = issued.getTime() + terms.ttlSeconds * 1000;
  }
}

/** The ack must come from the key we dialled and for the network we sign on. */
function checkAck(ack: HelloAck, peerAddress: Address, domain: NetworkDomain): void {
  if (!isAddressEqual(ack.coordinator as Address, peerAddress))
    throw new IdlegridError(
      'SIGNER_MISMATCH',
      `hello answered for ${ack.coordinator} by peer ${peerAddress}`,
    );
  if (
    ack.chainId !== domain.chainId ||
    !isAddressEqual(ack.paymentChannels as Address, domain.verifyingContract)
  ) {
    throw new IdlegridError(
      'CHAIN_MISMATCH',
      `the coordinator serves chain ${ack.chainId} at ${ack.paymentChannels}`,
      {
        details: { expected: { chainId: domain.chainId, paymentChannels: domain.verifyingContract } },
      },
    );
  }
}

/** A multiaddr up to its first peer id: `/ip4/1.2.3.4/tcp/4001/p2p/Qm...` is `/ip4/1.2.3.4/tcp/4001`. */
function hostPart(address: string): string {
  const at = address.indexOf('/p2p/');
  return at < 0 ? address : address.slice(0, at);
}
