import { StreamState } from '@libp2p/yamux/stream';
import { describe, expect, it } from 'vitest';
import { windowUpdateDue } from './yamux-window-updates.js';

describe('yamux window updates', () => {
  const window = 256 * 1024;

  it('waits until an established stream has used half its receive window', () => {
    const established = { state: StreamState.Established, recvWindow: window };
    expect(windowUpdateDue({ ...established, recvWindowCapacity: window - 100 })).toBe(false);
    expect(windowUpdateDue({ ...established, recvWindowCapacity: window / 2 })).toBe(false);
    expect(windowUpdateDue({ ...established, recvWindowCapacity: window / 2 - 1 })).toBe(true);
    expect(windowUpdateDue({ ...established, recvWindowCapacity: 0 })).toBe(true);
  });

  it('leaves opening, paused and finished streams to yamux', () => {
    for (const state of [
      StreamState.Init,
      StreamState.SYNReceived,
      StreamState.Paused,
      StreamState.Finished,
    ]) {
      expect(windowUpdateDue({ state, recvWindow: window, recvWindowCapacity: window - 1 })).toBe(true);
    }
  });
});
