import type { ServerResponse } from 'node:http';
import { cidOfBytes, manifestBytes, manifestCid, type ResultManifest } from '@idlegrid/protocol';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../http/coordinator-client.js';
import { type StubHandler, sendJson, startStubServer } from '../http/stub-server.js';
import { FINAL_JOB_STATES, type Job, type JobState } from './job.js';
import { sampleJob } from './test-jobs.js';
import { waitForJob, waitForResult } from './wait-for-job.js';

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
    [`GET /v1/events?job=${id}&states=submitted,${FINAL_JOB_STATES.join(',')}`]: events,
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

  it("opens a private job's stream again when it breaks (its leases ask for keys there), instead of polling", async () => {
    let opened = 0;
    let cutFirst: (() => void) | undefined;
    const { ctx, id, requests, cut } = await coordinator([at('running', 3)], (write) => {
      opened++;
      if (opened === 1) return void setTimeout(() => cutFirst?.(), 20); // the first stream breaks
      write(at('accepted', 5));
    });
    cutFirst = cut;
    const job = await waitForJob(ctx, id, {
      onKeyRequest: () => {},
      onProgress: () => {},
      pollIntervalMs: 5,
    });
    expect(job.state).toBe('accepted');
    expect(opened).toBe(2);
    // Not polled: only the stream brings the requests for keys.
    expect(requests.filter((r) => r.path === `/v1/jobs/${id}`)).toHaveLength(0);
  });

  it('stops at once, with the reason, when no provider can run the job', async () => {
    const unmatched = {
      ...at('submitted', 2),
      error: { code: 'JOB_UNMATCHED', message: 'no offer fits (price: 3)' },
    };
    const { ctx, id } = await coordinator([at('submitted', 1)], (write) => write(unmatched));
    await expect(waitForJob(ctx, id)).rejects.toMatchObject({
      code: 'JOB_UNMATCHED',
      details: { jobId: id, reason: 'no offer fits (price: 3)' },
    });
  });

  it('keeps waiting for an unmatched job when asked to, and for a queued one always', async () => {
    const unmatched = {
      ...at('submitted', 2),
      error: { code: 'JOB_UNMATCHED', message: 'no offer fits (region: 1)' },
    };
    const queued = {
      ...at('submitted', 3),
      error: { code: 'JOB_QUEUED', message: 'waiting for capacity (busy: 1)' },
    };
    const patient = await coordinator([at('submitted', 1)], (write) => {
      write(unmatched);
      write(at('accepted', 4));
    });
    expect((await waitForJob(patient.ctx, patient.id, { waitForCapacity: true })).state).toBe('accepted');
    await close?.();
    const busy = await coordinator([at('submitted', 1)], (write) => {
      write(queued);
      write(at('accepted', 4));
    });
    expect((await waitForJob(busy.ctx, busy.id)).state).toBe('accepted');
  });

  it('returns at once for a job that is already final', async () => {
    const { ctx, id, requests } = await coordinator([at('cancelled', 2)], () => {});
    expect((await waitForJob(ctx, id)).state).toBe('cancelled');
    // One request: the stream's first event is the job itself; with no progress callback it
    // asks for final states only.
    expect(requests.map((r) => r.path)).toEqual([
      `/v1/events?job=${id}&states=submitted,${FINAL_JOB_STATES.join(',')}`,
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

describe('waitForResult', () => {
  const text = (value: string) => new TextEncoder().encode(value);
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const id = `0x${'ab'.repeat(32)}`;
  const manifest: ResultManifest = {
    jobId: id,
    exitCode: 0,
    stdoutCid: cidOfBytes(text('42\n')),
    stderrCid: cidOfBytes(new Uint8Array()),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 3,
  };
  const accepted = { ...at('accepted', 5), resultCid: manifestCid(manifest) };
  const bundle = { manifest: base64(manifestBytes(manifest)), stdout: base64(text('42\n')), stderr: '' };

  /** A stream that sends `frames` after the job's current record (running). */
  async function streaming(frames: string[]) {
    const stub = await startStubServer({
      [`GET /v1/events?job=${id}&states=submitted,${FINAL_JOB_STATES.join(',')}&results=inline`]: (
        _request,
        response,
      ) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`event: job\ndata: ${JSON.stringify(at('running', 3))}\n\n`);
        for (const frame of frames) response.write(frame);
      },
      [`GET /v1/jobs/${id}/result`]: (_request, response) => sendJson(response, 200, bundle),
    });
    close = stub.close;
    return { ctx: { coordinator: new CoordinatorClient({ url: stub.url }) }, requests: stub.requests };
  }
  const resultFrame = (result: unknown) =>
    `event: result\ndata: ${JSON.stringify({ job: accepted, result })}\n\n`;

  it('takes the result from the stream in one request, checked against its CIDs', async () => {
    const { ctx, requests } = await streaming([resultFrame(bundle)]);
    const { job, result } = await waitForResult(ctx, id);
    expect(job.state).toBe('accepted');
    expect(new TextDecoder().decode(result!.stdout)).toBe('42\n');
    expect(result!.manifestCid).toBe(accepted.resultCid);
    expect(requests).toHaveLength(1);
  });

  it('refuses a result the stream altered', async () => {
    const { ctx } = await streaming([resultFrame({ ...bundle, stdout: base64(text('41\n')) })]);
    await expect(waitForResult(ctx, id)).rejects.toMatchObject({ code: 'CID_MISMATCH' });
  });

  it('fetches the result when the stream brings the job alone, and has none for a failed job', async () => {
    const { ctx, requests } = await streaming([`event: job\ndata: ${JSON.stringify(accepted)}\n\n`]);
    expect(new TextDecoder().decode((await waitForResult(ctx, id)).result!.stdout)).toBe('42\n');
    expect(requests.map((r) => r.path)).toContain(`/v1/jobs/${id}/result`);
    await close?.();
    const failedJob = at('failed', 4);
    const failed = await streaming([`event: job\ndata: ${JSON.stringify(failedJob)}\n\n`]);
    expect(await waitForResult(failed.ctx, id)).toEqual({ job: failedJob });
  });
});
