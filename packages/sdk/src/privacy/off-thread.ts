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
  on(event: 'error' | 'exit', listener: (error?: unknown) => void): void;
  off(event: 'message', listener: (message: Outgoing) => void): void;
  ref(): void;
  unref(): void;
}

let worker: Promise<DecryptWorker | undefined> | undefined;
let nextId = 0;
/** Decryptions under way: the worker holds the process open while there are any. */
let users = 0;
/** Called when the worker fails or exits: each decryption under way ends with the error. */
const onWorkerGone = new Set<(error: unknown) => void>();

/** The decryption worker, started once (in Node only; elsewhere undefined); it holds the process open only while in use. */
function decryptWorker(): Promise<DecryptWorker | undefined> {
  worker ??= (async () => {
    if (typeof process === 'undefined' || !process.versions?.node) return undefined;
    try {
      const { Worker } = await import('node:worker_threads');
      const started = new Worker(new URL('./decrypt-worker.js', import.meta.url)) as unknown as DecryptWorker;
      started.unref();
      const gone = (error?: unknown) => {
        // The next decryption starts a new worker.
        worker = undefined;
        for (const fail of onWorkerGone) fail(error ?? new Error('the decryption worker exited'));
      };
      started.on('error', gone);
      started.on('exit', () => gone());
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
  let failed: unknown;
  let wake: (() => void) | undefined;
  const listener = (message: Outgoing) => {
    if (message.id !== id) return;
    out.push(message);
    wake?.();
  };
  const workerGone = (error: unknown) => {
    failed ??= new IdlegridError('INTERNAL', 'the decryption worker failed', { cause: error });
    wake?.();
  };
  decryptor.on('message', listener);
  onWorkerGone.add(workerGone);
  if (users++ === 0) decryptor.ref();
  let ended = false;
  let abandoned = false;
  const end = () => {
    if (!ended) decryptor.postMessage({ id, end: true });
    ended = true;
  };
  const iterator = source[Symbol.asyncIterator]();
  try {
    decryptor.postMessage({ id, open: key.slice() });
    const feeding = (async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done || abandoned) break;
          const piece = next.value;
          // A piece that is its whole buffer moves to the worker as it is; any other is copied first.
          const whole = piece.byteOffset === 0 && piece.byteLength === piece.buffer.byteLength;
          const owned = whole ? piece : piece.slice();
          decryptor.postMessage({ id, piece: owned }, [owned.buffer as ArrayBuffer]);
        }
      } catch (error) {
        failed ??= error;
      }
      end();
      wake?.();
    })();
    for (;;) {
      const next = out.shift();
      if (!next) {
        // A transfer that broke, or a worker that died, is the error, not the envelope left unfinished.
        if (failed !== undefined) throw failed;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      if ('plain' in next) yield next.plain;
      else {
        await feeding;
        if (failed !== undefined) throw failed;
        if ('error' in next) throw new IdlegridError(next.error.code as ErrorCode, next.error.message);
        onDigest(next.digest);
        return;
      }
    }
  } finally {
    // Abandoned or failed midway: the transfer stops, and the worker drops the envelope.
    abandoned = true;
    await iterator.return?.();
    end();
    decryptor.off('message', listener);
    onWorkerGone.delete(workerGone);
    if (--users === 0) decryptor.unref();
  }
}
