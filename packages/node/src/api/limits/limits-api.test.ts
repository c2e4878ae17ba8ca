import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NetworkDomain, signMessage } from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import { randomNonce } from '@idlegrid/sdk';
import type { FastifyInstance } from 'fastify';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobEventBus } from '../../coordinator/job-event-bus.js';
import { JobIntake } from '../../coordinator/job-intake.js';
import { ArtifactStore } from '../../storage/artifact-store.js';
import { openJobStore } from '../../store/open-store.js';
import { createMetrics } from '../metrics.js';
import { createApiServer } from '../server.js';
import { testDomain } from '../testing.js';
import { resolveApiLimits } from './limits-settings.js';
import { RequestLimits } from './request-limits.js';

const domain: NetworkDomain = testDomain;
const alice = privateKeyToAccount(generatePrivateKey());
const bob = privateKeyToAccount(generatePrivateKey());
const mallory = privateKeyToAccount(generatePrivateKey());
const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

let dataDir: string;
let app: FastifyInstance;
let closeStore: () => Promise<void>;
let clockMs: number;
let lagMs: number;
let limits: RequestLimits;

async function serve(settings: Parameters<typeof resolveApiLimits>[0]) {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-limits-'));
  const store = await openJobStore({ dataDir });
  closeStore = () => store.close();
  const bus = new JobEventBus();
  const intake = new JobIntake({ domain, store, bus });
  const artifacts = new ArtifactStore(join(dataDir, 'artifacts'), 1024);
  limits = new RequestLimits(resolveApiLimits(settings), {
    clock: () => clockMs,
    load: { eventLoopDelayMs: () => lagMs },
  });
  app = createApiServer({ intake, store, artifacts, bus, metrics: createMetrics(bus), limits });
}

beforeEach(() => {
  clockMs = Date.UTC(2025, 5, 1, 12, 0, 0);
  lagMs = 0;
});
afterEach(async () => {
  await app.close();
  await closeStore();
  await rm(dataDir, { recursive: true, force: true });
});

/** A JobSpec signed by `signer`, for `client` (a forgery when they differ). */
async function spec(signer: PrivateKeyAccount, client = signer.address) {
  const sample = sampleMessages(client, nowSeconds() + 600n).JobSpec;
  const jobId = `0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const signed = await signMessage(signer, domain, 'JobSpec', {
    ...sample,
    client,
    jobId: jobId as `0x${string}`,
    nonce: randomNonce(),
    deadline: nowSeconds() + 3_600n,
  });
  return JSON.parse(JSON.stringify(signed, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
}

const submit = async (signer: PrivateKeyAccount, client?: `0x${string}`) =>
  app.inject({ method: 'POST', url: '/v1/jobs', payload: await spec(signer, client) });

describe('per-client limits on signed requests', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a client spends its burst, and not another client', async () => {
    await serve({ client: { rate: 0.1, burst: 2 } });
    for (let i = 0; i < 2; i++) expect((await submit(alice)).statusCode).toBe(201);
    const refused = await submit(alice);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.json().error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfter: 10 } });
    // Alice's flood leaves Bob's bucket whole.
    expect((await submit(bob)).statusCode).toBe(201);
    clockMs += 10_000;
    expect((await submit(alice)).statusCode).toBe(201);
  });

  it('counts a spec for its client only once its signature is verified: a forged client drains nothing', async () => {
    await serve({ client: { rate: 0.1, burst: 2 } });
    for (let i = 0; i < 5; i++) {
      const forged = await submit(mallory, alice.address);
      expect([forged.statusCode, forged.json().error.code]).toEqual([401, 'SIGNER_MISMATCH']);
    }
    for (let i = 0; i < 2; i++) expect((await submit(alice)).statusCode).toBe(201);
  });

  it('counts a batch of N as N, all or nothing', async () => {
    await serve({ client: { rate: 0.1, burst: 5 } });
    const batch = async (n: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/jobs/batch',
        payload: { jobs: await Promise.all(Array.from({ length: n }, () => spec(alice))) },
      });
    const first = await batch(3);
    expect(first.json().results.every((r: { job?: unknown }) => r.job)).toBe(true);
    const second = await batch(3);
    expect([second.statusCode, second.json().error.code, second.headers['retry-after']]).toEqual([
      429,
      'RATE_LIMITED',
      '10',
    ]);
    // Nothing of the refused batch was taken: two jobs still fit.
    expect((await app.inject({ url: `/v1/jobs?client=${alice.address}` })).json().jobs).toHaveLength(3);
    expect((await batch(2)).statusCode).toBe(200);
  });

  it('answers 429 QUOTA_EXCEEDED past the jobs a client may submit a day, until 00:00 UTC', async () => {
    await serve({ client: { rate: 100, burst: 100, jobsPerDay: 2 } });
    for (let i = 0; i < 2; i++) expect((await submit(alice)).statusCode).toBe(201);
    const refused = await submit(alice);
    expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'QUOTA_EXCEEDED']);
    expect(refused.headers['retry-after']).toBe(String(12 * 3600));
    clockMs += 12 * 3600 * 1000;
    expect((await submit(alice)).statusCode).toBe(201);
  });
});

describe('per-IP limits on unauthenticated requests', () => {
  it('limits reads by remote IP, one address apart from another, and keeps /healthz and /metrics answering', async () => {
    await serve({ ip: { rate: 1, burst: 3 } });
    const read = (remoteAddress: string) => app.inject({ url: '/v1/jobs', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await read('10.0.0.1')).statusCode).toBe(200);
    const refused = await read('10.0.0.1');
    expect([refused.statusCode, refused.json().error.code, refused.headers['retry-after']]).toEqual([
      429,
      'RATE_LIMITED',
      '1',
    ]);
    expect((await read('10.0.0.2')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/metrics', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    }
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/idlegrid_requests_limited_total\{key="ip",limit="rate"\} 1/);
  });

  it('remembers a bounded number of addresses however many send', async () => {
    await serve({ maxKeys: 50 });
    for (let i = 0; i < 500; i++)
      await app.inject({ url: '/v1/nope', remoteAddress: `10.1.${i >> 8}.${i & 255}` });
    expect(limits.ip.keys).toBeLessThanOrEqual(50);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/idlegrid_limiter_keys\{key="ip"\} (\d+)/);
  });
});

describe('load shedding', () => {
  it('answers 503 OVERLOADED with Retry-After while the event loop lags, but /healthz and /metrics answer', async () => {
    await serve({ maxEventLoopDelayMs: 500 });
    lagMs = 1_500;
    const shed = await submit(alice);
    expect([shed.statusCode, shed.json().error.code, shed.headers['retry-after']]).toEqual([
      503,
      'OVERLOADED',
      '2',
    ]);
    expect((await app.inject({ url: '/v1/jobs' })).statusCode).toBe(503);
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ ok: true });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/idlegrid_requests_shed_total\{reason="event_loop_delay"\} 2/);
    expect(metrics.body).toMatch(/idlegrid_event_loop_delay_seconds 1\.5/);
    lagMs = 100;
    expect((await submit(alice)).statusCode).toBe(201);
  });

  it('sheds a batch that would take the submissions waiting to be stored past the bound', async () => {
    await serve({ maxPendingSubmissions: 2 });
    const jobs = await Promise.all([spec(alice), spec(alice), spec(alice)]);
    const shed = await app.inject({ method: 'POST', url: '/v1/jobs/batch', payload: { jobs } });
    expect([shed.statusCode, shed.json().error.code, shed.json().error.details.reason]).toEqual([
      503,
      'OVERLOADED',
      'pending-submissions',
    ]);
    const taken = await app.inject({
      method: 'POST',
      url: '/v1/jobs/batch',
      payload: { jobs: jobs.slice(0, 2) },
    });
    expect(taken.statusCode).toBe(200);
    expect(limits.shedder.pendingSubmissions).toBe(0);
  });

  it('bounds the event streams one address holds open, and frees a place when one closes', async () => {
    await serve({ maxStreamsPerIp: 1 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const first = new AbortController();
    const open = await fetch(`${url}/v1/events`, { signal: first.signal });
    expect(open.status).toBe(200);
    const second = await fetch(`${url}/v1/events`);
    expect([
      second.status,
      second.headers.get('retry-after'),
      ((await second.json()) as { error: { code: string } }).error.code,
    ]).toEqual([503, '1', 'OVERLOADED']);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    first.abort();
    await expect.poll(() => limits.shedder.openStreams).toBe(0);
    const third = new AbortController();
    expect((await fetch(`${url}/v1/events`, { signal: third.signal })).status).toBe(200);
    third.abort();
  });
});

describe('limits turned off', () => {
  it('refuses nothing', async () => {
    await serve({ enabled: false, client: { rate: 0.1, burst: 1 }, maxEventLoopDelayMs: 1 });
    lagMs = 10_000;
    for (let i = 0; i < 3; i++) expect((await submit(alice)).statusCode).toBe(201);
  });
});
