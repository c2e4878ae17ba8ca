import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface';
import { concatBytes } from './bytes.js';

/** Past this many waiting bytes a send goes out at once: bulk transfers are not held back. */
const FLUSH_BYTES = 64 * 1024;

type Chunk = Parameters<MessageStream['send']>[0];

/**
 * Noise wraps the transport connection: wrapped this way, everything it sends in one turn of the
 * event loop leaves in one socket write.
 *
 * Why: noise hands the TCP transport each frame as three pieces (length, ciphertext, tag), the
 * transport writes each piece on its own, and yamux answers every data frame with a window
 * update of its own. A one-call job cost about ten socket writes on each link, every one a
 * system call that wakes the peer; on a busy machine those wake-ups cost more than the job.
 */
export function withCoalescedWrites<Components>(
  encrypter: (components: Components) => ConnectionEncrypter,
): (components: Components) => ConnectionEncrypter {
  return (components) => {
    const inner = encrypter(components);
    return {
      protocol: inner.protocol,
      secureInbound: (connection, options) => inner.secureInbound(coalesceWrites(connection), options),
      secureOutbound: (connection, options) => inner.secureOutbound(coalesceWrites(connection), options),
    };
  };
}

/**
 * Makes `connection` hold what is sent to it until the end of this turn of the event loop (or
 * until FLUSH_BYTES wait), then send it as one chunk. It stays the same object, so whoever
 * closes it directly (the upgrader does) still flushes first.
 */
export function coalesceWrites<T extends MessageStream>(connection: T): T {
  const send = connection.send.bind(connection);
  const close = connection.close.bind(connection);
  let waiting: Uint8Array[] = [];
  let waitingBytes = 0;
  let scheduled = false;

  const flush = (): boolean => {
    if (waiting.length === 0) return !connection.writableNeedsDrain;
    const data = waiting.length === 1 ? waiting[0]! : concatBytes(waiting, waitingBytes);
    waiting = [];
    waitingBytes = 0;
    return send(data);
  };
  const flushLater = () => {
    scheduled = false;
    try {
      flush();
    } catch (error) {
      // the connection closed while bytes waited: it is gone either way
      connection.abort(error as Error);
    }
  };

  connection.send = (data: Chunk): boolean => {
    // A closed connection refuses at once, as it would have without the wait.
    if (connection.status !== 'open') return send(data);
    const bytes = data instanceof Uint8Array ? data : data.subarray();
    waiting.push(bytes);
    waitingBytes += bytes.byteLength;
    if (waitingBytes >= FLUSH_BYTES) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushLater);
    }
    return !connection.writableNeedsDrain;
  };
  connection.close = async (options) => {
    if (connection.status === 'open') flush();
    return close(options);
  };
  return connection;
}
