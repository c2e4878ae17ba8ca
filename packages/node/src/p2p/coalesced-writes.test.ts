import type { MessageStream } from '@libp2p/interface';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from './coalesced-writes.js';

/** The part of a transport connection that coalesceWrites touches, recording each send. */
function recordingConnection() {
  const sent: Uint8Array[] = [];
  const connection = {
    status: 'open',
    writableNeedsDrain: false,
    send(data: Uint8Array) {
      if (connection.status !== 'open') throw new Error('closed');
      sent.push(data);
      return true;
    },
    async close() {
      connection.status = 'closed';
    },
    abort() {
      connection.status = 'aborted';
    },
  };
  return { connection: connection as unknown as MessageStream & typeof connection, sent };
}

const bytes = (...values: number[]) => new Uint8Array(values);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  it('sends what one turn of the event loop wrote as one chunk, in order', async () => {
    const { connection, sent } = recordingConnection();
    coalesceWrites(connection);
    connection.send(bytes(1, 2));
    connection.send(bytes(3));
    await Promise.resolve();
    connection.send(bytes(4, 5));
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([bytes(1, 2, 3, 4, 5)]);
    connection.send(bytes(6));
    await nextTurn();
    expect(sent).toEqual([bytes(1, 2, 3, 4, 5), bytes(6)]);
  });

  it('sends at once past 64 KiB, with what waited before it', () => {
    const { connection, sent } = recordingConnection();
    coalesceWrites(connection);
    connection.send(bytes(9));
    connection.send(new Uint8Array(64 * 1024));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.byteLength).toBe(64 * 1024 + 1);
    expect(sent[0]![0]).toBe(9);
  });

  it('flushes before a close, so that the last frames are not lost', async () => {
    const { connection, sent } = recordingConnection();
    coalesceWrites(connection);
    connection.send(bytes(7));
    await connection.close();
    expect(sent).toEqual([bytes(7)]);
    await nextTurn();
    expect(sent).toEqual([bytes(7)]);
  });

  it('refuses a send to a closed connection at once, as the connection itself would', async () => {
    const { connection } = recordingConnection();
    coalesceWrites(connection);
    await connection.close();
    expect(() => connection.send(bytes(1))).toThrow('closed');
  });

  it('aborts the connection when it broke while bytes waited', async () => {
    const { connection } = recordingConnection();
    coalesceWrites(connection);
    connection.send(bytes(1));
    connection.status = 'closing'; // closed under it, not through close()
    await nextTurn();
    expect(connection.status).toBe('aborted');
  });

  it('tells the sender to wait when the connection needs to drain', () => {
    const { connection } = recordingConnection();
    coalesceWrites(connection);
    connection.writableNeedsDrain = true;
    expect(connection.send(bytes(1))).toBe(false);
  });
});
