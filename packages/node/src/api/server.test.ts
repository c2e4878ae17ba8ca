import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidOfBytes, networkDomain, signMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { randomNonce } from '@idlegrid/sdk';
import type { FastifyInstance } from 'fastify';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobEventBus } from '../coordinator/job-event-bus.js';
import { JobIntake } from '../coordinator/job-intake.js';
import type { JobRecord } from '../jobs/api.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { openJobStore } from '../store/open-store.js';
import { createMetrics } from './metrics.js';
import { createApiServer } from './server.js';

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const client = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const now = () => BigInt(Math.floor(Date.now() / 1000));

let dataDir: string;
let app: FastifyInstance;
let bus: JobEventBus;
let closeStore: () => Promise<void>;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-api-'));
  const store = await openJobStore({ dataDir });
  closeStore = () => store.close();
  bus = new JobEventBus();
  const intake = new JobIntake({ domain, store, bus });
  const artifacts = new ArtifactStore(join(dataDir, 'artifacts'), 1024);
  app = createApiServer({ intake, store, artifacts, bus, metrics: createMetrics(bus) }, { bodyLimit: 4096 });
});
afterEach(async () => {
  await app.close();
  await closeStore();
  await rm(dataDir, { recursive: true, force: true });
});

async function signedSpec(jobId = `0x${Math.random().toString(16).slice(2).padEnd(64, '0')}`) {
  const sample = sampleMessages(client.address, now() + 600n).JobSpec;
  return signMessage(client, domain, 'JobSpec', {
    ...sample,
    jobId,
    nonce: randomNonce(),
    deadline: now() + 3_600n,
  });
}

const wire = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));

describe('coordinator HTTP API', () => {
  it('accepts a signed job, serves it, lists it, and cancels it for its client only', async () => {
    const spec = await signedSpec();
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', payload: wire(spec) });
    expect(created.statusCode, created.body).toBe(201);
    const job = created.json().job as JobRecord;
    expect(job).toMatchObject({ id: spec.message.jobId, state: 'submitted', client: client.address });

    const again = await app.inject({ method: 'POST', url: '/v1/jobs', payload: wire(spec) });
    expect(again.json().job.id).toBe(job.id);
    // Another job signed with the same nonce is a replay of it, not a new job.
    const sameNonce = await signMessage(client, domain, 'JobSpec', {
      ...spec.message,
      jobId: `0x${'cd'.repeat(32)}`,
    });
    const replayed = await app.inject({ method: 'POST', url: '/v1/jobs', payload: wire(sameNonce) });
    expect([replayed.statusCode, replayed.json().error.code]).toEqual([409, 'MESSAGE_REPLAYED']);

    expect((await app.inject({ url: `/v1/jobs/${job.id}` })).json().job.state).toBe('submitted');
    const noResult = await app.inject({ url: `/v1/jobs/${job.id}/result` });
    expect([noResult.statusCode, noResult.json().error.code]).toEqual([409, 'JOB_RESULT_UNAVAILABLE']);
    const listed = await app.inject({ url: `/v1/jobs?client=${client.address}&state=submitted` });
    expect(listed.json().jobs.map((j: JobRecord) => j.id)).toEqual([job.id]);

    const cancelBy = async (signer: typeof client) =>
      app.inject({
        method: 'POST',
        url: `/v1/jobs/${job.id}/cancel`,
        payload: wire(
          await signMessage(signer, domain, 'JobCancel', {
            client: signer.address,
            jobId: job.id as `0x${string}`,
            nonce: 1n,
            expiry: now() + 60n,
          }),
        ),
      });
    const forbidden = await cancelBy(stranger);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('NOT_AUTHORIZED');
    const cancelled = await cancelBy(client);
    expect(cancelled.json().job.state).toBe('cancelled');
    const events = (await app.inject({ url: `/v1/jobs/${job.id}/events` })).json().events;
    expect(events.map((e: { to: string }) => e.to)).toEqual(['submitted', 'cancelled']);
  });

  it('takes a batch of jobs, each accepted or refused on its own, and refuses a malformed batch', async () => {
    const [first, second] = [await signedSpec(), await signedSpec()];
    const tampered = { ...wire(second), message: { ...wire(second).message, maxPrice: '1' } };
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/jobs/batch',
      payload: { jobs: [wire(first), tampered, wire(second)] },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const results = answer.json().results;
    expect(results.map((result: { job?: JobRecord }) => result.job?.id)).toEqual([
      first.message.jobId,
      undefined,
      second.message.jobId,
    ]);
    expect(results[1].error.code).toBe('SIGNER_MISMATCH');
    for (const jobs of [[], 'nope', Array.from({ length: 501 }, () => ({}))]) {
      const refused = await app.inject({ method: 'POST', url: '/v1/jobs/batch', payload: { jobs } });
      expect([refused.statusCode, refused.json().error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    }
    const badStream = await app.inject({ url: '/v1/events?results=all' });
    expect([badStream.statusCode, badStream.json().error.code]).toEqual([400, 'INVALID_ARGUMENT']);
  });

  it('rejects forged, tampered and malformed jobs with stable codes and statuses', async () => {
    const spec = await signedSpec();
    const tampered = { ...wire(spec), message: { ...wire(spec).message, maxPrice: '1' } };
    const cases = [
      [tampered, 401, 'SIGNER_MISMATCH'],
      [{ ...wire(spec), kind: 'Voucher' }, 400, 'MESSAGE_INVALID'],
      [{ hello: 'world' }, 400, 'MESSAGE_UNKNOWN_KIND'],
    ] as const;
    for (const [payload, status, code] of cases) {
      const response = await app.inject({ method: 'POST', url: '/v1/jobs', payload });
      expect([response.statusCode, response.json().error.code]).toEqual([status, code]);
    }
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('INVALID_ARGUMENT');
    expect((await app.inject({ url: `/v1/jobs/0x${'12'.repeat(32)}` })).json().error.code).toBe(
      'JOB_NOT_FOUND',
    );
    // Not a job id at all: the route's contract refuses it before any lookup.
    expect((await app.inject({ url: '/v1/jobs/0x1234' })).json().error.code).toBe('INVALID_ARGUMENT');
    expect((await app.inject({ url: '/v1/jobs?state=dancing' })).json().error.code).toBe('INVALID_ARGUMENT');
    expect((await app.inject({ url: '/v1/nowhere' })).statusCode).toBe(404);
  });

  it('stores artifacts by content hash and serves byte ranges', async () => {
    const body = Buffer.from('0123456789abcdef');
    const headers = { 'content-type': 'application/octet-stream' };
    const uploaded = await app.inject({ method: 'POST', url: '/v1/artifacts', payload: body, headers });
    expect(uploaded.statusCode).toBe(201);
    expect(uploaded.json()).toEqual({ cid: cidOfBytes(body), size: 16 });
    const cid = uploaded.json().cid;

    const whole = await app.inject({ url: `/v1/artifacts/${cid}` });
    expect(whole.rawPayload.equals(body)).toBe(true);
    const ranged = await app.inject({ url: `/v1/artifacts/${cid}`, headers: { range: 'bytes=10-' } });
    expect([ranged.statusCode, ranged.body, ranged.headers['content-range']]).toEqual([
      206,
      'abcdef',
      'bytes 10-15/16',
    ]);
    const outside = await app.inject({ url: `/v1/artifacts/${cid}`, headers: { range: 'bytes=99-' } });
    expect([outside.statusCode, outside.headers['content-range']]).toEqual([416, 'bytes */16']);

    const wrongCid = cidOfBytes(Buffer.from('other'));
    const mismatch = await app.inject({
      method: 'PUT',
      url: `/v1/artifacts/${wrongCid}`,
      payload: body,
      headers,
    });
    expect([mismatch.statusCode, mismatch.json().error.code]).toEqual([422, 'CID_MISMATCH']);
    const tooBig = await app.inject({
      method: 'POST',
      url: '/v1/artifacts',
      payload: Buffer.alloc(2048),
      headers,
    });
    expect([tooBig.statusCode, tooBig.json().error.code]).toEqual([413, 'ARTIFACT_TOO_LARGE']);
    expect((await app.inject({ url: `/v1/artifacts/${wrongCid}` })).statusCode).toBe(404);
  });

  it('streams job changes as server-sent events and counts them in /metrics', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${address}/v1/events?client=${client.address}`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const spec = await signedSpec();
    await app.inject({ method: 'POST', url: '/v1/jobs', payload: wire(spec) });
    let received = '';
    while (!received.includes('event: job'))
      received += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(received).toContain(spec.message.jobId);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toContain('idlegrid_job_transitions_total{state="submitted"} 1');
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
  });

  it('streams one job from its current record with ?job=, filtered by ?states=', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const [other, wanted] = [await signedSpec(), await signedSpec()];
    for (const spec of [other, wanted])
      await app.inject({ method: 'POST', url: '/v1/jobs', payload: wire(spec) });
    const controller = new AbortController();
    const response = await fetch(`${address}/v1/events?job=${wanted.message.jobId}&states=cancelled`, {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const events: JobRecord[] = [];
    let buffer = '';
    // Reads blocks up to the next one with data (comments such as `: connected` have none).
    const nextEvent = async () => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end === -1) {
          buffer += new TextDecoder().decode((await reader.read()).value);
          continue;
        }
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) return events.push(JSON.parse(data.slice('data: '.length)));
      }
    };
    await nextEvent(); // the job as it is now, though `submitted` is not among the states asked for
    expect(events[0]).toMatchObject({ id: wanted.message.jobId, state: 'submitted' });
    for (const spec of [other, wanted]) {
      const cancel = await signMessage(client, domain, 'JobCancel', {
        client: client.address,
        jobId: spec.message.jobId,
        nonce: BigInt(Math.floor(Math.random() * 1e9)),
        expiry: now() + 60n,
      });
      await app.inject({
        method: 'POST',
        url: `/v1/jobs/${spec.message.jobId}/cancel`,
        payload: wire(cancel),
      });
    }
    await nextEvent();
    controller.abort();
    expect(events[1]).toMatchObject({ id: wanted.message.jobId, state: 'cancelled' });

    const unknown = await app.inject({ url: `/v1/events?job=0x${'ab'.repeat(32)}` });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'JOB_NOT_FOUND']);
    const badState = await app.inject({ url: '/v1/events?states=done' });
    expect([badState.statusCode, badState.json().error.code]).toEqual([400, 'INVALID_ARGUMENT']);
  });
});
