import type { ServerResponse } from 'node:http';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../http/coordinator-client.js';
import { type StubHandler, sendJson, startStubServer } from '../http/stub-server.js';
import { FINAL_JOB_STATES, type Job, type JobState } from './job.js';
import { sampleJob } from './test-jobs.js';
import { waitForJob } from './wait-for-job.js';

const client = privateKeyToAccount(generatePrivateKey()).address;
const at = (state: JobState, version: number) => sampleJob({ client, state, version });
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

/**
 * GET /v1/jobs/:id answers the next record of `polls` (repeating the last). The event stream
 * starts with `polls[0]` as the job's current record, as the coordinator does, then sends what
 * `stream` writes; `cut()` breaks it (no end of the chunked body).
 */
async function coordinator(polls: Job[], stream: (write: (job: Job) => void) => void) {
  let served = 0;
  let open: ServerResponse | undefined;
  const id = polls[0]!.id;
  const events: StubHandler = (_request, response) => {
    open = response;
    const write = (job: Job) => response.write(`event: job\ndata: ${JSON.stringify(job)}\n\n`);
    response.writeHead(200, { 'content-type': 'text/event-stream' }).write(': connected\n\n');
    write(polls[0]!);
    stream(write);
  };
  const stub = await startStubServer({
    [`GET /v1/jobs/${id}`]: (_request, response) =>
      sendJson(response, 200, { job: polls[Math.min(served++, polls.length - 1)] }),
    [`GET /v1/events?job=${id}`]: events,
    [`GET /v1/events?job=${id}&states=${FINAL_JOB_STATES.join(',')}`]: events,
  });
  close = stub.close;
  const ctx = { coordinator: new CoordinatorClient({ url: stub.url }) };
  return { ctx, id, requests: stub.requests, cut: () => open?.destroy() };
}

describe('waitForJob', () => {
  it('follows the event stream to a final state, reporting each state once', async () => {
    const { ctx, id } = await coordinator([at('submitted', 1)], (write) => {
      write(at('matched', 2));
      write({ ...at('matched', 2), id: `0x${'cd'.repeat(32)}` }); // another job: ignored
      write(at('running', 3));
      write(at('matched', 2)); // a stale repeat: ignored
      write(at('accepted', 5));
    });
    const seen: string[] = [];
    const job = await waitForJob(ctx, id, { onProgress: (j) => seen.push(j.state) });
    expect(job.state).toBe('accepted');
    expect(seen).toEqual(['submitted', 'matched', 'running', 'accepted']);
  });

  it('falls back to polling when the stream breaks', async () => {
    const polls = [
      at('submitted', 1),
      at('submitted', 1),
      at('running', 3),
      at('running', 3),
      at('failed', 4),
    ];
    const { ctx, id, requests, cut } = await coordinator(polls, (write) => write(at('matched', 2)));
    const seen: string[] = [];
    const onProgress = (job: Job) => {
      seen.push(job.state);
      if (job.state === 'matched') cut();
    };
    const job = await waitForJob(ctx, id, { onProgress, pollIntervalMs: 5 });
    expect(job.state).toBe('failed');
    expect(seen).toEqual(['submitted', 'matched', 'running', 'failed']);
    expect(requests.filter((r) => r.path === `/v1/jobs/${id}`)).toHaveLength(polls.length);
  });

  it('returns at once for a job that is already final', async () => {
    const { ctx, id, requests } = await coordinator([at('cancelled', 2)], () => {});
    expect((await waitForJob(ctx, id)).state).toBe('cancelled');
    // One request: the stream's first event is the job itself; with no progress callback it
    // asks for final states only.
    expect(requests.map((r) => r.path)).toEqual([
      `/v1/events?job=${id}&states=${FINAL_JOB_STATES.join(',')}`,
    ]);
  });

  it('gives up with JOB_WAIT_TIMEOUT, or ABORTED when the caller aborts', async () => {
    const { ctx, id } = await coordinator([at('running', 3)], () => {});
    await expect(waitForJob(ctx, id, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'JOB_WAIT_TIMEOUT',
      details: { jobId: id, state: 'running' },
    });
    const controller = new AbortController();
    const waiting = waitForJob(ctx, id, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
