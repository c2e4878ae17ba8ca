import { parentPort } from 'node:worker_threads';
// The envelope alone: a worker that loaded all of the protocol would take a third of a second to start.
import { decryptArtifactStream } from '@idlegrid/protocol/envelope';

/**
 * Opens envelopes off the main thread (see off-thread.ts): one at a time, as its pieces come.
 *   in:  { id, open: key } then { id, piece: bytes }... then { id, end: true }
 *   out: { id, plain: bytes }... then { id, digest: { sha256, size } } or { id, error: { code, message } }
 * The id keeps envelopes apart: one abandoned midway ends without touching the next.
 */
type Incoming = { id: number } & ({ open: Uint8Array } | { piece: Uint8Array } | { end: true });

const port = parentPort!;
const feeds = new Map<number, PieceQueue>();

port.on('message', (message: Incoming) => {
  if ('open' in message) {
    const queue = new PieceQueue();
    feeds.set(message.id, queue);
    void open(message.id, message.open, queue).finally(() => feeds.delete(message.id));
  } else if ('piece' in message) feeds.get(message.id)?.push(message.piece);
  else feeds.get(message.id)?.push(null);
});

async function open(id: number, key: Uint8Array, queue: PieceQueue): Promise<void> {
  try {
    let digest: { sha256: Uint8Array; size: number } | undefined;
    for await (const plain of decryptArtifactStream(key, queue.pieces(), (found) => (digest = found))) {
      const owned =
        plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength ? plain : plain.slice();
      port.postMessage({ id, plain: owned }, [owned.buffer as ArrayBuffer]);
    }
    port.postMessage({ id, digest });
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    port.postMessage({
      id,
      error: { code, message: error instanceof Error ? error.message : String(error) },
    });
  } finally {
    key.fill(0);
  }
}

/** Pieces as they arrive, read in order; null ends them. */
class PieceQueue {
  readonly #pieces: (Uint8Array | null)[] = [];
  #wake: (() => void) | undefined;

  push(piece: Uint8Array | null): void {
    this.#pieces.push(piece);
    this.#wake?.();
  }

  async *pieces(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const piece = this.#pieces.shift();
      if (piece === null) return;
      if (piece !== undefined) {
        yield piece;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}
