import './polyfills.js';
import {
  IdlegridError,
  isIdlegridError,
  type NetworkDomain,
  parseWireJson,
  ReplayGuard,
  type SignedMessage,
  toWireJson,
  type VerifiedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { Gossip, GossipHandler, GossipStats, GossipTopicKinds, PublishResult } from './api.js';
import { GOSSIP_TOPICS } from './topics.js';

export interface Libp2pGossipOptions {
  /** The network whose signed messages are accepted; others fail verification. */
  domain: NetworkDomain;
  /** Topic -> the one message kind it carries; offers and heartbeats by default. */
  topics?: GossipTopicKinds;
  /** Shared with other receivers of the same messages, if any; a fresh guard by default. */
  replayGuard?: ReplayGuard;
  maxLifetimeSeconds?: number;
}

export interface Libp2pGossipComponents {
  pubsub: GossipSub;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Gossip of signed protocol messages over gossipsub. Every received message is verified
 * in gossipsub's topic validator, so invalid ones are neither delivered nor forwarded and
 * their senders lose peer score; replays and expired messages are ignored (not punished:
 * an honest peer may relay them late).
 */
export class Libp2pGossip implements Gossip {
  readonly #pubsub: GossipSub;
  readonly #domain: NetworkDomain;
  readonly #topics: GossipTopicKinds;
  readonly #replayGuard: ReplayGuard;
  readonly #maxLifetimeSeconds: number | undefined;
  readonly #handlers = new Map<string, Set<GossipHandler>>();
  readonly #verified = new WeakMap<Message, VerifiedMessage>();
  readonly #stats: GossipStats = { delivered: 0, dropped: 0, droppedByCode: {}, handlerErrors: 0 };
  #started = false;

  constructor(options: Libp2pGossipOptions, components: Libp2pGossipComponents) {
    this.#pubsub = components.pubsub;
    this.#domain = options.domain;
    this.#topics = options.topics ?? GOSSIP_TOPICS;
    this.#replayGuard = options.replayGuard ?? new ReplayGuard();
    this.#maxLifetimeSeconds = options.maxLifetimeSeconds;
  }

  get stats(): GossipStats {
    return { ...this.#stats, droppedByCode: { ...this.#stats.droppedByCode } };
  }

  /** Registers the validators and joins the topics that have subscribers. Start the host first. */
  start(): void {
    if (this.#started) return;
    for (const topic of Object.keys(this.#topics)) {
      this.#pubsub.topicValidators.set(topic, (_peer, message) => this.#validate(topic, message));
    }
    this.#pubsub.addEventListener('message', this.#onMessage);
    for (const topic of this.#handlers.keys()) this.#pubsub.subscribe(topic);
    this.#started = true;
  }

  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.#pubsub.removeEventListener('message', this.#onMessage);
    for (const topic of Object.keys(this.#topics)) {
      this.#pubsub.topicValidators.delete(topic);
      if (this.#pubsub.getTopics().includes(topic)) this.#pubsub.unsubscribe(topic);
    }
  }

  async publish(
    topic: string,
    message: SignedMessage,
    options: { signal?: AbortSignal } = {},
  ): Promise<PublishResult> {
    if (!this.#started) throw new IdlegridError('P2P_NOT_STARTED', 'gossip is not started');
    const kind = this.#kindOf(topic);
    if (message.kind !== kind) {
      throw new IdlegridError(
        'INVALID_ARGUMENT',
        `topic ${topic} carries ${kind} messages, not ${message.kind}`,
      );
    }
    options.signal?.throwIfAborted();
    const result = await this.#pubsub.publish(topic, encoder.encode(toWireJson(message)));
    return { recipients: result.recipients.length };
  }

  subscribe(topic: string, handler: GossipHandler): () => void {
    this.#kindOf(topic);
    let handlers = this.#handlers.get(topic);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(topic, handlers);
      if (this.#started) this.#pubsub.subscribe(topic);
    }
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size > 0 || this.#handlers.get(topic) !== handlers) return;
      this.#handlers.delete(topic);
      if (this.#started) this.#pubsub.unsubscribe(topic);
    };
  }

  subscribers(topic: string): string[] {
    return this.#pubsub.getSubscribers(topic).map((peer) => peer.toString());
  }

  #kindOf(topic: string) {
    const kind = this.#topics[topic];
    if (kind === undefined) throw new IdlegridError('INVALID_ARGUMENT', `unknown gossip topic: ${topic}`);
    return kind;
  }

  async #validate(topic: string, message: Message): Promise<TopicValidatorResult> {
    try {
      const verified = await verifySignedMessage(this.#domain, parseWireJson(decoder.decode(message.data)), {
        kind: this.#kindOf(topic),
        replayGuard: this.#replayGuard,
        ...(this.#maxLifetimeSeconds === undefined ? {} : { maxLifetimeSeconds: this.#maxLifetimeSeconds }),
      });
      this.#verified.set(message, verified);
      return TopicValidatorResult.Accept;
    } catch (error) {
      const code = isIdlegridError(error) ? error.code : 'MESSAGE_INVALID';
      this.#stats.dropped++;
      this.#stats.droppedByCode[code] = (this.#stats.droppedByCode[code] ?? 0) + 1;
      const late = code === 'MESSAGE_REPLAYED' || code === 'MESSAGE_EXPIRED';
      return late ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
    }
  }

  readonly #onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail;
    const verified = this.#verified.get(message);
    if (verified === undefined) return; // a topic without our validator
    this.#verified.delete(message);
    const handlers = this.#handlers.get(message.topic);
    if (handlers === undefined) return;
    this.#stats.delivered++;
    const origin = message.type === 'signed' ? message.from.toString() : undefined;
    for (const handler of handlers) {
      try {
        handler(verified, { topic: message.topic, origin });
      } catch {
        this.#stats.handlerErrors++;
      }
    }
  };
}
