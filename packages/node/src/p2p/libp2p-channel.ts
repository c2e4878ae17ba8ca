import './polyfills.js';
import { IdlegridError } from '@idlegrid/protocol';
import type { Connection, Libp2p, Stream } from '@libp2p/interface';
import type { MessageChannel, MessageHandler, PeerRef, RemotePeer, SendOptions } from './api.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, type Frame, fromErrorBody, toErrorBody } from './frames.js';
import { parsePeerId, peerIdToAddress } from './identity.js';
import { PeerStream } from './peer-stream.js';
import { abortable, deadline } from './signals.js';
import { protocolId } from './topics.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface Libp2pChannelOptions {
  /** The protocol is `/idlegrid/<name>/1`; `messages` by default. */
  name?: string;
  /** Largest frame sent or accepted, in bytes (1 MiB by default). */
  maxFrameBytes?: number;
  /** Default limit for dialling plus, for requests, the answer. */
  timeoutMs?: number;
  /** Streams a single peer may open to us at once. */
  maxInboundStreams?: number;
}

export interface Libp2pChannelComponents {
  libp2p: Libp2p;
}

/**
 * MessageChannel over libp2p: one long-lived stream per peer (opened on first use,
 * reopened when closed; a stream the peer opened is reused), frames in both directions.
 */
export class Libp2pMessageChannel implements MessageChannel {
  readonly protocol: string;
  readonly #libp2p: Libp2p;
  readonly #maxFrameBytes: number;
  readonly #timeoutMs: number;
  readonly #maxInboundStreams: number;
  readonly #handlers = new Map<string, MessageHandler>();
  readonly #streams = new Map<PeerRef, PeerStream>();
  readonly #opening = new Map<PeerRef, Promise<PeerStream>>();
  readonly #all = new Set<PeerStream>();
  #nextId = 1;
  #started = false;

  constructor(options: Libp2pChannelOptions, components: Libp2pChannelComponents) {
    this.protocol = protocolId(options.name ?? 'messages');
    this.#libp2p = components.libp2p;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxInboundStreams = options.maxInboundStreams ?? 4;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.#libp2p.handle(this.protocol, (stream, connection) => this.#accept(stream, connection), {
      maxInboundStreams: this.#maxInboundStreams,
    });
    this.#started = true;
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#libp2p.unhandle(this.protocol);
    const stopped = new IdlegridError('P2P_NOT_STARTED', 'the message channel was stopped');
    for (const stream of [...this.#all]) stream.fail(stopped);
  }

  handle(type: string, handler: MessageHandler): () => void {
    this.#handlers.set(type, handler);
    return () => {
      if (this.#handlers.get(type) === handler) this.#handlers.delete(type);
    };
  }

  async send(peer: PeerRef, type: string, body: unknown, options: SendOptions = {}): Promise<void> {
    this.#assertStarted();
    const frame = encodeFrame({ t: 'msg', type, body }, this.#maxFrameBytes);
    const limit = deadline(
      options.timeoutMs ?? this.#timeoutMs,
      options.signal,
      `sending ${type} to ${peer}`,
    );
    try {
      await this.#write(peer, frame, limit.signal);
    } finally {
      limit.dispose();
    }
  }

  async request(peer: PeerRef, type: string, body: unknown, options: SendOptions = {}): Promise<unknown> {
    this.#assertStarted();
    const id = this.#nextId++;
    const frame = encodeFrame({ t: 'req', id, type, body }, this.#maxFrameBytes);
    const limit = deadline(
      options.timeoutMs ?? this.#timeoutMs,
      options.signal,
      `request ${type} to ${peer}`,
    );
    try {
      const stream = await this.#write(peer, frame, limit.signal);
      return await stream.expect(id, limit.signal);
    } finally {
      limit.dispose();
    }
  }

  /** Writes over the peer's stream, reopening it once if it turns out to be closed. */
  async #write(peer: PeerRef, frame: Uint8Array, signal: AbortSignal): Promise<PeerStream> {
    for (let attempt = 0; ; attempt++) {
      const stream = await this.#streamTo(peer, signal);
      try {
        await stream.write(frame, signal);
        return stream;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        stream.fail(new IdlegridError('P2P_UNREACHABLE', 'write failed', { cause: error }));
        if (attempt > 0) throw unreachable(peer, 'cannot write to the peer', error);
      }
    }
  }

  async #streamTo(peer: PeerRef, signal: AbortSignal): Promise<PeerStream> {
    const current = this.#streams.get(peer);
    if (current?.open) return current;
    let opening = this.#opening.get(peer);
    if (opening === undefined) {
      opening = this.#open(peer).finally(() => this.#opening.delete(peer));
      this.#opening.set(peer, opening);
    }
    return abortable(opening, signal);
  }

  async #open(peer: PeerRef): Promise<PeerStream> {
    const peerId = parsePeerId(peer);
    const remote = { id: peer, address: peerIdToAddress(peerId) };
    let stream: Stream;
    try {
      stream = await this.#libp2p.dialProtocol(peerId, this.protocol, {
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw unreachable(peer, `cannot open ${this.protocol} to the peer`, error);
    }
    if (!this.#started) {
      stream.abort(new Error('channel stopped'));
      throw new IdlegridError('P2P_NOT_STARTED', 'the message channel was stopped');
    }
    return this.#attach(stream, remote);
  }

  #accept(stream: Stream, connection: Connection): void {
    let address: RemotePeer['address'];
    try {
      address = peerIdToAddress(connection.remotePeer);
    } catch (error) {
      stream.abort(error as Error); // not a secp256k1 peer: not an idlegrid node
      return;
    }
    this.#attach(stream, { id: connection.remotePeer.toString(), address });
  }

  #attach(stream: Stream, peer: RemotePeer): PeerStream {
    const peerStream = new PeerStream(stream, {
      peer,
      maxFrameBytes: this.#maxFrameBytes,
      onFrame: (frame, from) => this.#onFrame(frame, from),
      onClose: (closed) => {
        this.#all.delete(closed);
        if (this.#streams.get(peer.id) === closed) this.#streams.delete(peer.id);
      },
    });
    this.#all.add(peerStream);
    if (!this.#streams.get(peer.id)?.open) this.#streams.set(peer.id, peerStream);
    return peerStream;
  }

  #onFrame(frame: Frame, from: PeerStream): void {
    if (frame.t === 'res') from.settle(frame);
    else if (frame.t === 'err') from.fail(fromErrorBody(frame.error, from.peer.id));
    else void this.#dispatch(frame, from);
  }

  async #dispatch(frame: Extract<Frame, { t: 'msg' | 'req' }>, from: PeerStream): Promise<void> {
    const handler = this.#handlers.get(frame.type);
    const expectsReply = frame.t === 'req';
    let reply: Frame | undefined;
    if (handler === undefined) {
      const error = new IdlegridError('P2P_NO_HANDLER', `no handler for ${frame.type}`, {
        details: { type: frame.type },
      });
      if (expectsReply) reply = { t: 'res', id: frame.id, error: toErrorBody(error) };
    } else {
      const message = { type: frame.type, body: frame.body, from: from.peer, expectsReply };
      try {
        const body = await handler(message, { signal: from.signal });
        // A handler with nothing to say still answers (JSON has no undefined).
        if (expectsReply) reply = { t: 'res', id: frame.id, body: body ?? null };
      } catch (error) {
        if (expectsReply) reply = { t: 'res', id: frame.id, error: toErrorBody(error) };
      }
    }
    if (reply === undefined || !from.open) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(reply, this.#maxFrameBytes);
    } catch (error) {
      bytes = encodeFrame(
        { t: 'res', id: (reply as { id: number }).id, error: toErrorBody(error) },
        Infinity,
      );
    }
    await from.write(bytes).catch(() => undefined); // the stream closed: nobody waits for it
  }

  #assertStarted(): void {
    if (!this.#started) throw new IdlegridError('P2P_NOT_STARTED', 'the message channel is not started');
  }
}

function unreachable(peer: PeerRef, message: string, cause: unknown): IdlegridError {
  if (cause instanceof IdlegridError && cause.code !== 'INTERNAL') return cause;
  return new IdlegridError('P2P_UNREACHABLE', message, { cause, details: { peer } });
}
