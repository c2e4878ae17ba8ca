import { IdlegridError } from '@idlegrid/protocol';
import type { Stream } from '@libp2p/interface';
import { InvalidMessageLengthError, LengthPrefixedDecoder } from '@libp2p/utils';
import type { RemotePeer } from './api.js';
import { concatBytes } from './bytes.js';
import { decodeFrame, encodeFrame, type Frame, fromErrorBody, toErrorBody } from './frames.js';
import { abortable } from './signals.js';

export interface PeerStreamInit {
  peer: RemotePeer;
  maxFrameBytes: number;
  onFrame(frame: Frame, from: PeerStream): void;
  onClose(stream: PeerStream): void;
}

interface Pending {
  resolve(body: unknown): void;
  reject(error: unknown): void;
}

/**
 * One long-lived libp2p stream to a peer carrying length-prefixed JSON frames in both
 * directions. It tracks the requests sent over it, so that a lost stream fails them
 * at once instead of letting them run into their timeout.
 */
export class PeerStream {
  readonly peer: RemotePeer;
  readonly #stream: Stream;
  readonly #init: PeerStreamInit;
  readonly #decoder: LengthPrefixedDecoder;
  readonly #pending = new Map<number, Pending>();
  readonly #closed = new AbortController();
  /** Frames written in this turn of the event loop, sent together (see `write`). */
  #batch: { frames: Uint8Array[]; sent: Promise<void> } | undefined;
  /** The last batch sent or waiting to be: batches go out in order. */
  #lastBatch: Promise<unknown> = Promise.resolve();

  constructor(stream: Stream, init: PeerStreamInit) {
    this.peer = init.peer;
    this.#stream = stream;
    this.#init = init;
    this.#decoder = new LengthPrefixedDecoder({
      maxDataLength: init.maxFrameBytes,
      // a buffered read can hold up to the muxer's read buffer beyond one partial frame
      maxBufferSize: init.maxFrameBytes + 8 * 1024 * 1024,
    });
    stream.addEventListener('message', (event) => this.#receive(event.data));
    stream.addEventListener('remoteCloseWrite', () => this.fail(this.#lost('the peer closed the stream')));
    stream.addEventListener('close', (event) => {
      this.fail(this.#lost('the stream to the peer closed', event.error));
    });
  }

  /** Aborted once the stream is closed or failed: handlers of its messages watch it. */
  get signal(): AbortSignal {
    return this.#closed.signal;
  }

  get open(): boolean {
    return !this.#closed.signal.aborted && this.#stream.writeStatus === 'writable';
  }

  /**
   * Writes one encoded frame, waiting for the stream to drain first if needed. Frames written
   * in the same turn of the event loop (a batch of assignments, say) leave in one send: each send
   * costs a muxer frame, an encryption and a socket write, whatever its size.
   */
  write(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    let batch = this.#batch;
    if (!batch) {
      const frames: Uint8Array[] = [];
      const previous = this.#lastBatch;
      const sent = new Promise<void>((resolve) => process.nextTick(resolve)).then(async () => {
        if (this.#batch?.frames === frames) this.#batch = undefined;
        await previous;
        if (this.#stream.writableNeedsDrain) await this.#stream.onDrain();
        this.#stream.send(frames.length === 1 ? frames[0]! : concatBytes(frames));
      });
      batch = { frames, sent };
      this.#batch = batch;
      this.#lastBatch = sent.catch(() => {});
    }
    batch.frames.push(withLengthPrefix(frame));
    return signal ? abortable(batch.sent, signal) : batch.sent;
  }

  /** Waits for the response to request `id`; rejects when the signal aborts or the stream fails. */
  expect(id: number, signal: AbortSignal): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => {
      if (this.#closed.signal.aborted) return reject(this.#closed.signal.reason);
      this.#pending.set(id, { resolve, reject });
    });
    return abortable(promise, signal).finally(() => this.#pending.delete(id));
  }

  /** Answers a request; an answer over the frame limit turns into that error. */
  settle(frame: Extract<Frame, { t: 'res' }>): void {
    const pending = this.#pending.get(frame.id);
    if (pending === undefined) return; // timed out or never asked: late answers are dropped
    if ('error' in frame) pending.reject(fromErrorBody(frame.error, this.peer.id));
    else pending.resolve(frame.body);
  }

  /**
   * Fails every pending request with `error` and closes the stream. With `notify` the peer
   * first learns why (its own pending requests fail with the same code).
   */
  fail(error: IdlegridError, notify = false): void {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort(error);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#init.onClose(this);
    if (notify && this.#stream.writeStatus === 'writable') {
      const frame = encodeFrame({ t: 'err', error: toErrorBody(error) }, Number.MAX_SAFE_INTEGER);
      this.#stream.send(withLengthPrefix(frame));
    }
    this.#stream.close().catch((cause: Error) => this.#stream.abort(cause));
  }

  #receive(data: Parameters<LengthPrefixedDecoder['decode']>[0]): void {
    if (this.#closed.signal.aborted) return;
    try {
      for (const bytes of this.#decoder.decode(data)) this.#init.onFrame(decodeFrame(bytes.subarray()), this);
    } catch (error) {
      this.fail(this.#framingError(error), true);
    }
  }

  #framingError(error: unknown): IdlegridError {
    if (error instanceof IdlegridError) return error;
    // the decoder refuses a length over the limit as soon as it reads the prefix
    if (error instanceof InvalidMessageLengthError || (error as Error).name === 'InvalidParametersError') {
      const maxBytes = this.#init.maxFrameBytes;
      return new IdlegridError(
        'P2P_FRAME_TOO_LARGE',
        `a frame exceeds the receiver's limit of ${maxBytes} bytes`,
        {
          details: { maxBytes, peer: this.peer.id },
          cause: error,
        },
      );
    }
    return new IdlegridError('P2P_FRAME_INVALID', 'unreadable frame', { cause: error });
  }

  #lost(message: string, cause?: Error): IdlegridError {
    return new IdlegridError('P2P_UNREACHABLE', message, {
      details: { peer: this.peer.id },
      ...(cause ? { cause } : {}),
    });
  }
}

/** Prefixes a frame with its length as an unsigned varint, as `it-length-prefixed` does. */
export function withLengthPrefix(frame: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let length = frame.byteLength;
  while (length >= 0x80) {
    prefix.push((length & 0x7f) | 0x80);
    length = Math.floor(length / 0x80);
  }
  prefix.push(length);
  const out = new Uint8Array(prefix.length + frame.byteLength);
  out.set(prefix, 0);
  out.set(frame, prefix.length);
  return out;
}
