import type { MessageKind, SignedMessage, VerifiedMessage } from '@idlegrid/protocol';
import type { Address } from 'viem';

/**
 * Transport-independent messaging between nodes. The libp2p implementation lives beside
 * this file; another transport (HTTP, in-memory for tests) only has to implement these.
 * Bodies are JSON values; bigints travel as decimal strings (`toWireJson`), so handlers
 * receive them as strings and should parse bodies with the protocol's schemas.
 */

/** A transport-specific peer locator: for libp2p a peer id (`16Uiu2...`). */
export type PeerRef = string;

/** Who sent a message: authenticated by the transport (the peer proved its key). */
export interface RemotePeer {
  id: PeerRef;
  /** The Ethereum address of the peer's key: compare it with the signer of signed messages. */
  address: Address;
}

export interface IncomingMessage {
  type: string;
  body: unknown;
  from: RemotePeer;
  /** True for a request (the handler's return value is the response), false for a one-way message. */
  expectsReply: boolean;
}

export interface HandlerContext {
  /** Aborted when the channel stops or the peer's stream closes. */
  signal: AbortSignal;
}

/**
 * Handles one message type. For requests the resolved value is the response and a thrown
 * `IdlegridError` reaches the requester with its code; for one-way messages both are ignored.
 */
export type MessageHandler = (message: IncomingMessage, context: HandlerContext) => unknown;

export interface SendOptions {
  signal?: AbortSignal;
  /** Limit for dialling and, for requests, for the answer. */
  timeoutMs?: number;
}

export interface MessageChannel {
  /** Sends a one-way message; resolves once it is handed to the transport. */
  send(peer: PeerRef, type: string, body: unknown, options?: SendOptions): Promise<void>;
  /** Sends a request and resolves with the peer's response (P2P_TIMEOUT, P2P_UNREACHABLE, ...). */
  request(peer: PeerRef, type: string, body: unknown, options?: SendOptions): Promise<unknown>;
  /** Registers the handler of a message type (replacing any previous one); returns its removal. */
  handle(type: string, handler: MessageHandler): () => void;
}

export interface GossipMeta {
  topic: string;
  /** The peer that published the gossip message (not necessarily the message's author). */
  origin: PeerRef | undefined;
}

/** Receives only messages that passed `verifySignedMessage` and the replay guard. */
export type GossipHandler = (message: VerifiedMessage, meta: GossipMeta) => void;

export interface GossipStats {
  delivered: number;
  dropped: number;
  /** Dropped messages by error code (SIGNER_MISMATCH, MESSAGE_REPLAYED, ...). */
  droppedByCode: Record<string, number>;
  /** Handlers that threw; their errors do not affect other handlers. */
  handlerErrors: number;
}

export interface PublishResult {
  /** How many peers the message was sent to directly. */
  recipients: number;
}

/** Signed protocol messages on topics, each topic carrying one message kind. */
export interface Gossip {
  publish(topic: string, message: SignedMessage, options?: { signal?: AbortSignal }): Promise<PublishResult>;
  subscribe(topic: string, handler: GossipHandler): () => void;
  /** Peers known to subscribe to the topic. */
  subscribers(topic: string): PeerRef[];
  readonly stats: GossipStats;
}

export type GossipTopicKinds = Readonly<Record<string, MessageKind>>;
