import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArtifactStore,
  createApiServer,
  createMetrics,
  JobEventBus,
  JobIntake,
  type JobStore,
  openJobStore,
} from '@idlegrid/node';
import { canonicalJson, cidOfBytes, networkDomain } from '@idlegrid/protocol';
import {
  CoordinatorClient,
  cancelJob,
  downloadArtifact,
  fetchResult,
  getJob,
  type Job,
  type JobsContext,
  listJobs,
  submitWasmJob,
  uploadArtifact,
  waitForJob,
} from '@idlegrid/sdk';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The coordinator's parts are not exported from @idlegrid/node yet: use its build output.

const domain = networkDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3');
const client = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const provider = privateKeyToAccount(generatePrivateKey()).address;
const MODULE = new TextEncoder().encode('\0asm not really a module, the coordinator does not run it');

let dataDir: string;
let store: JobStore;
let bus: JobEventBus;
let app: ReturnType<typeof createApiServer>;
let ctx: JobsContext;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-sdk-jobs-'));
  store = await openJobStore({ dataDir });
  bus = new JobEventBus();
  const intake = new JobIntake({ domain, store, bus });
  const artifacts = new ArtifactStore(join(dataDir, 'artifacts'));
  app = createApiServer({ intake, store, artifacts, bus, metrics: createMetrics(bus) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  ctx = { coordinator: new CoordinatorClient({ url, timeoutMs: 5_000 }), signer: client, domain };
});
afterEach(async () => {
  await app.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

const submit = () =>
  submitWasmJob(ctx, {
    module: MODULE,
    args: ['--greet', 'world'],
    stdin: new TextEncoder().encode('stdin bytes'),
    maxPrice: 10n ** 18n,
    deadlineSeconds: 600,
    memoryMb: 64,
    cpuCores: 1,
  });

/** Plays provider and scheduler: uploads the outputs and moves the job one state per call. */
async function schedulerFor(job: Job) {
  const text = (value: string) => new TextEncoder().encode(value);
  const [stdoutCid, stderrCid] = [
    await uploadArtifact(ctx, text('hello, world\n')),
    await uploadArtifact(ctx, text('a warning\n')),
  ];
  const manifest = {
    jobId: job.id,
    exitCode: 3,
    stdoutCid,
    stderrCid,
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 42,
  };
  const manifestCid = await uploadArtifact(ctx, text(canonicalJson(manifest)));
  const steps = {
    submitted: ['matched', {}],
    matched: ['assigned', { provider, price: '2500', leaseExpiresAt: Date.now() + 60_000 }],
    assigned: ['running', {}],
    running: ['committed', {}],
    committed: ['accepted', { resultCid: manifestCid }],
  } as const;
  return {
    manifestCid,
    /** Moves the job on from `state`: called from onProgress, so each state is seen before the next. */
    async advance(state: string) {
      const step = steps[state as keyof typeof steps];
      if (!step) return;
      bus.publish(await store.transition(job.id, step[0], { patch: step[1] }));
    },
  };
}

describe('SDK jobs against the coordinator HTTP API', () => {
  it('submits a signed wasm job, follows it to accepted and downloads its checked result', async () => {
    const job = await submit();
    expect(job).toMatchObject({ state: 'submitted', client: client.address });
    const spec = (job.spec as { message: Record<string, unknown> }).message;
    expect(spec).toMatchObject({
      runtime: 'wasm',
      moduleCid: cidOfBytes(MODULE),
      args: ['--greet', 'world'],
      inputCids: [cidOfBytes(new TextEncoder().encode('stdin bytes'))],
    });
    expect(await downloadArtifact(ctx, cidOfBytes(MODULE))).toEqual(MODULE);

    const scheduler = await schedulerFor(job);
    const seen: string[] = [];
    const done = await waitForJob(ctx, job.id, {
      onProgress: (update) => {
        seen.push(update.state);
        scheduler.advance(update.state).catch((error) => seen.push(`error: ${error}`));
      },
      // A broken stream would fall back to polling and stall this test: the stream must work.
      pollIntervalMs: 60_000,
      timeoutMs: 20_000,
    });
    expect(seen).toEqual(['submitted', 'matched', 'assigned', 'running', 'committed', 'accepted']);
    expect(done).toMatchObject({
      state: 'accepted',
      provider,
      price: '2500',
      resultCid: scheduler.manifestCid,
    });

    const result = await fetchResult(ctx, done);
    expect(result).toMatchObject({
      jobId: job.id,
      exitCode: 3,
      durationMs: 42,
      manifestCid: scheduler.manifestCid,
    });
    expect(new TextDecoder().decode(result.stdout)).toBe('hello, world\n');
    expect(new TextDecoder().decode(result.stderr)).toBe('a warning\n');

    const accepted = await listJobs(ctx, { client: client.address, states: ['accepted'] });
    expect(accepted.map((j) => j.id)).toEqual([job.id]);
    expect(await listJobs(ctx, { client: stranger.address })).toEqual([]);

    // A coordinator serving altered bytes under an output's CID is caught (the output comes inline)...
    const manifest = JSON.parse(new TextDecoder().decode(await downloadRaw(done)));
    const base64 = (text: string) => Buffer.from(text).toString('base64');
    const lying = (alter: (answer: Record<string, string>) => void): JobsContext => ({
      ...ctx,
      coordinator: new CoordinatorClient({
        url: ctx.coordinator.url,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (!String(input).endsWith('/result')) return response;
          const answer = (await response.json()) as Record<string, string>;
          alter(answer);
          return new Response(JSON.stringify(answer), { status: 200 });
        },
      }),
    });
    await expect(
      fetchResult(
        lying((answer) => {
          answer.stdout = base64('hello, mallory\n');
        }),
        done,
      ),
    ).rejects.toMatchObject({ code: 'CID_MISMATCH' });
    // ...and so is one serving altered bytes under the manifest's CID.
    const tampered = canonicalJson({ ...manifest, exitCode: 0 });
    await expect(
      fetchResult(
        lying((answer) => {
          answer.manifest = base64(tampered);
        }),
        done,
      ),
    ).rejects.toMatchObject({ code: 'CID_MISMATCH' });
  });

  it('cancels a job for its client only, and has no result for it', async () => {
    const job = await submit();
    await expect(cancelJob({ ...ctx, signer: stranger }, job.id)).rejects.toMatchObject({
      code: 'NOT_AUTHORIZED',
    });
    const cancelled = await cancelJob(ctx, job.id);
    expect(cancelled.state).toBe('cancelled');
    expect((await waitForJob(ctx, job.id)).state).toBe('cancelled');
    await expect(fetchResult(ctx, cancelled)).rejects.toMatchObject({ code: 'JOB_RESULT_UNAVAILABLE' });
    expect((await store.events(job.id)).map((event) => event.to)).toEqual(['submitted', 'cancelled']);
  });

  it('reports a failed job with its error', async () => {
    const job = await submit();
    const failed = await store.transition(job.id, 'failed', {
      patch: { error: { code: 'WASM_TRAP', message: 'unreachable executed' } },
    });
    bus.publish(failed);
    const done = await waitForJob(ctx, job.id, { timeoutMs: 10_000 });
    expect(done).toMatchObject({ state: 'failed', error: { code: 'WASM_TRAP' } });
    expect((await getJob(ctx, job.id)).version).toBe(done.version);
  });

  it('maps errors to stable codes', async () => {
    await expect(getJob(ctx, `0x${'00'.repeat(32)}`)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(listJobs(ctx, { limit: 9_999 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(waitForJob(ctx, `0x${'11'.repeat(32)}`)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await app.close();
    await expect(getJob(ctx, `0x${'00'.repeat(32)}`)).rejects.toMatchObject({
      code: 'COORDINATOR_UNAVAILABLE',
    });
  });
});

/** The manifest bytes as stored, before any tampering. */
function downloadRaw(job: Job): Promise<Uint8Array> {
  return ctx.coordinator.getBytes(`/v1/artifacts/${job.resultCid}`);
}
