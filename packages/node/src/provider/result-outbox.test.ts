import { IdlegridError, type ResultManifest } from '@idlegrid/protocol';
import { describe, expect, it } from 'vitest';
import { type PendingResult, ResultOutbox } from './result-outbox.js';

const manifest = { exitCode: 0 } as ResultManifest;

function setup() {
  let clock = 1_000;
  const delivered: string[] = [];
  const dropped: string[] = [];
  const outbox = new ResultOutbox({
    now: () => clock,
    onDelivered: ({ jobId }) => delivered.push(jobId),
    onDropped: ({ jobId }, reason) => dropped.push(`${jobId}: ${reason}`),
  });
  return { outbox, delivered, dropped, advance: (ms: number) => (clock += ms) };
}

/** A result whose sends fail with the given errors in turn, then succeed. */
function pending(jobId: string, failures: Error[], deadlineMs = 10_000) {
  let sends = 0;
  const result: PendingResult = {
    jobId,
    manifest,
    deadlineMs,
    send: async () => {
      sends++;
      const failure = failures.shift();
      if (failure) throw failure;
    },
  };
  return { result, sends: () => sends };
}

describe('ResultOutbox', () => {
  it('keeps a result while the coordinator is away and delivers it exactly once', async () => {
    const { outbox, delivered } = setup();
    const job = pending('a', [new IdlegridError('P2P_UNREACHABLE', 'down'), new Error('socket hang up')]);
    await outbox.deliver(job.result);
    expect(outbox.ids()).toEqual(['a']);
    await Promise.all([outbox.retry(), outbox.retry()]); // overlapping retries send once
    expect(job.sends()).toBe(2);
    await outbox.retry();
    await outbox.retry();
    expect(job.sends()).toBe(3);
    expect(delivered).toEqual(['a']);
    expect(outbox.ids()).toEqual([]);
  });

  it('drops a result the coordinator refuses, and one past its deadline', async () => {
    const { outbox, dropped, advance } = setup();
    await outbox.deliver(pending('refused', [new IdlegridError('RESULT_INVALID', 'not yours')]).result);
    const late = pending('late', [new IdlegridError('P2P_TIMEOUT', 'slow')], 5_000);
    await outbox.deliver(late.result);
    advance(10_000);
    await outbox.retry();
    expect(late.sends()).toBe(1);
    expect(dropped).toEqual(['refused: not yours', 'late: its deadline passed']);
    expect(outbox.ids()).toEqual([]);
  });

  it('forgets a discarded result without reporting it', async () => {
    const { outbox, delivered, dropped } = setup();
    await outbox.deliver(pending('gone', [new IdlegridError('P2P_UNREACHABLE', 'down')]).result);
    outbox.discard('gone');
    await outbox.retry();
    expect([outbox.ids(), delivered, dropped]).toEqual([[], [], []]);
  });
});
