import { type ErrorCode, IdlegridError } from '@idlegrid/protocol';
import { decryptArtifactStream, type PlaintextDigest } from '@idlegrid/protocol/privacy';

/** Below this, a worker's round trips cost more than the decryption they move. */
export const OFF_THREAD_BYTES = 8 * 2 ** 20;

type Outgoing = { id: number } & (
  | { plain: Uint8Array }
  | { digest: PlaintextDigest }
  | { error: { code: string; message: string } }
);

interface DecryptWorker {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: Outgoing) => void): void;
  off(event: 'message', listener: (message: Outgoing) => void): void;
  ref(): void;
  unref(): void;
}

let worker: Promise<DecryptWorker | undefined> | undefined;
let nextId = 0;

/** The decryption worker, started once (in Node only; elsewhere undefined); it holds the process open only while in use. */
function decryptWorker(): Promise<DecryptWorker | undefined> {
  worker ??= (async () => {
    if (typeof process === 'undefined' || !process.versions?.node) return undefined;
    try {
      const { Worker } = await import('node:worker_threads');
      const started = new Worker(new URL('./decrypt-worker.js', import.meta.url)) as unknown as DecryptWorker;
      started.unref();
      return started;
    } catch {
      return undefined;
    }
  })();
  return worker;
}

/**
 * Opens a large envelope on another thread while its pieces arrive on this one: the transfer
 * and the decryption overlap on two cores instead of taking turns on one. The same contract as
 * decryptArtifactStream (plaintext chunks in order; throws ENVELOPE_TAMPERED at the end when the
 * trailer does not match; `onDigest` once it is checked). Without worker threads it decrypts here.
 */
export async function* decryptOffThread(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array>,
  onDigest: (digest: PlaintextDigest) => void,
): AsyncGenerator<Uint8Array> {
  const decryptor = await decryptWorker();
  if (!decryptor) {
    yield* decryptArtifactStream(key, source, onDigest);
    return;
  }
  const id = nextId++;
  const out: Outgoing[] = [];
  let wake: (() => void) | undefined;
  const listener = (message: Outgoing) => {
    if (message.id !== id) return;
    out.push(message);
    wake?.();
  };
  decryptor.on('message', listener);
  decryptor.ref();
  let ended = false;
  const end = () => {
    if (!ended) decryptor.postMessage({ id, end: true });
    ended = true;
  };
  try {
    decryptor.postMessage({ id, open: key.slice() });
    let failed: unknown;
    const feeding = (async () => {
      try {
        for await (const piece of source) {
          // A piece that is its whole buffer moves to the worker as it is; any other is copied first.
          const whole = piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength;
          const owned = whole ? piece : piece.slice();
          decryptor.postMessage({ id, piece: owned }, [owned.buffer as ArrayBuffer]);
        }
      } catch (error) {
        failed = error;
      }
      end();
    })();
    for (;;) {
      const next = out.shift();
      if (!next) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if ('plain' in next) yield next.plain;
      else {
        await feeding;
        // A transfer that broke is the error, not the envelope it left unfinished.
        if (failed !== undefined) throw failed;
        if ('error' in next) throw new IdlegridError(next.error.code as ErrorCode, next.error.message);
        onDigest(next.digest);
        return;
      }
    }
  } finally {
    end();
    decryptor.off('message', listener);
    decryptor.unref();
  }
}
