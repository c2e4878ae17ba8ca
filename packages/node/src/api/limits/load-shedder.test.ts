import { isIdlegridError } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { LoadShedder } from './load-shedder.js';

const options = { maxEventLoopDelayMs: 500, maxPendingSubmissions: 3, maxStreams: 3, maxStreamsPerIp: 2 };

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isIdlegridError(error)) return { code: error.code, ...error.details };
    throw error;
  }
  return undefined;
}

describe('LoadShedder', () => {
  it('sheds while the event loop lags beyond the threshold, with a Retry-After of the lag', () => {
    let lag = 100;
    const shedder = new LoadShedder(options, { eventLoopDelayMs: () => lag });
    expect(refusal(() => shedder.checkEventLoop())).toBeUndefined();
    lag = 2_400;
    expect(refusal(() => shedder.checkEventLoop())).toMatchObject({
      code: 'OVERLOADED',
      reason: 'event-loop-delay',
      retryAfter: 3,
    });
    lag = 500;
    expect(refusal(() => shedder.checkEventLoop())).toBeUndefined();
    expect(shedder.shed.eventLoopDelay).toBe(1);
  });

  it('bounds the submissions not yet stored, counting a batch as its jobs', () => {
    const shedder = new LoadShedder(options, { eventLoopDelayMs: () => 0 });
    const first = shedder.admitSubmissions(2);
    expect(refusal(() => shedder.admitSubmissions(2))).toMatchObject({
      code: 'OVERLOADED',
      reason: 'pending-submissions',
    });
    const second = shedder.admitSubmissions(1);
    first();
    first(); // a second release gives nothing back twice
    expect(shedder.pendingSubmissions).toBe(1);
    second();
    expect(shedder.pendingSubmissions).toBe(0);
    expect(shedder.shed.pendingSubmissions).toBe(1);
  });

  it('bounds open streams per IP and in total', () => {
    const shedder = new LoadShedder(options, { eventLoopDelayMs: () => 0 });
    const a1 = shedder.openStream('a');
    shedder.openStream('a');
    expect(refusal(() => shedder.openStream('a'))).toMatchObject({
      code: 'OVERLOADED',
      reason: 'streams-per-ip',
    });
    shedder.openStream('b');
    expect(refusal(() => shedder.openStream('c'))).toMatchObject({ code: 'OVERLOADED', reason: 'streams' });
    a1();
    expect(refusal(() => shedder.openStream('c'))).toBeUndefined();
    expect(shedder.openStreams).toBe(3);
  });
});
