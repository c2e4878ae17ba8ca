import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '@idlegrid/node/testing';
import {
  CoordinatorClient,
  getJob,
  getJobEvents,
  type Job,
  type JobsContext,
  payForJob,
  submitWasmJob,
  waitForResult,
} from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killPid, startNet, type TestNet, waitFor } from './localnet-harness.js';

/**
 * A cluster: three coordinators sharing one PostgreSQL database, each with a provider joined to
 * it. The database is one of its own (the store suites wipe TEST_DATABASE_URL's as they run).
 * CI always sets TEST_DATABASE_URL; without it, on a developer machine, this file is skipped.
 */
const url = process.env.TEST_DATABASE_URL;
if (process.env.CI && !url) throw new Error('CI must set TEST_DATABASE_URL so the cluster suite runs');

const ONE_GRID = 10n ** 18n;
const ROUNDS = 1_500_000;
const module = () =>
  readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );

function expectedChain(input: string): string {
  let current: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < ROUNDS; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
}

interface ClusterCoordinator {
  name: string;
  apiUrl: string;
  pid: number;
}

let net: TestNet;
let coordinators: ClusterCoordinator[];

beforeAll(async () => {
  if (!url) return;
  net = await startNet(3, ['--coordinators', '3', '--database-url', await freshDatabase(url, 'cluster')]);
  ({ coordinators } = JSON.parse(await readFile(join(net.dataDir, 'localnet.json'), 'utf8')) as {
    coordinators: ClusterCoordinator[];
  });
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

describe.runIf(url)('a cluster of coordinators on one PostgreSQL, processes on 127.0.0.1', () => {
  it('finishes every job of a coordinator SIGKILLed mid-flight: each accepted once, paid once', async () => {
    const [doomed, ...survivors] = coordinators as [ClusterCoordinator, ...ClusterCoordinator[]];
    // The client talks to the doomed coordinator first, and fails over to the others.
    const ctx: JobsContext = {
      ...net.ctx,
      coordinator: new CoordinatorClient({
        url: doomed.apiUrl,
        fallbackUrls: survivors.map((c) => c.apiUrl),
        timeoutMs: 20_000,
      }),
    };
    const wasm = await module();
    // More jobs than the cluster's three providers have cores (4 + 2 + 8): the doomed coordinator
    // places them on all of them, its own and the others' (through the mesh), and queues the rest.
    const inputs = Array.from({ length: 16 }, (_, i) => `in flight ${i}`);
    const jobs: Job[] = [];
    for (const input of inputs) {
      jobs.push(
        await submitWasmJob(ctx, {
          module: wasm,
          args: [String(ROUNDS), input],
          maxPrice: ONE_GRID,
          deadlineSeconds: 300,
          memoryMb: 64,
          cpuCores: 1,
        }),
      );
    }
    await waitFor(
      async () => (await getJob(ctx, jobs[0]!.id)).state === 'running',
      60_000,
      'the first job to run',
    );
    // Two of the sixteen still wait for a core when it dies.
    const queued = new Set<string>();
    for (const job of jobs) if ((await getJob(ctx, job.id)).state === 'submitted') queued.add(job.id);
    const killedAt = Date.now();
    killPid(doomed.pid, 'SIGKILL');
    await waitFor(() => !isAlive(doomed.pid), 10_000, 'the coordinator to die');

    // Every job finishes: taken over by a survivor, its provider failed over to one too.
    for (const [i, job] of jobs.entries()) {
      const { job: done, result } = await waitForResult(ctx, job.id, { timeoutMs: 240_000 }).catch(
        async (error: Error) => {
          // What the job went through says which hand-over lost it.
          const events = await getJobEvents(ctx, job.id).catch(() => []);
          throw new Error(`${error.message}; job ${i}'s events: ${JSON.stringify(events)}`);
        },
      );
      expect(done.state, `${job.id}: ${JSON.stringify(done.error)}`).toBe('accepted');
      expect(new TextDecoder().decode(result!.stdout).trim()).toBe(expectedChain(inputs[i]!));
      const paid = await payForJob(ctx, done);
      expect(paid.job.state).toBe('settled');
    }
    expect(ctx.coordinator.url).not.toBe(doomed.apiUrl);
    for (const job of jobs) {
      const events = await getJobEvents(ctx, job.id);
      expect(events.filter((event) => event.to === 'accepted')).toHaveLength(1);
      expect(events.filter((event) => event.to === 'settled')).toHaveLength(1);
      // A queued job was dispatched after the death: by the survivor that took it over.
      if (queued.has(job.id))
        expect(events.some((event) => event.to === 'assigned' && event.at > killedAt)).toBe(true);
    }
    expect(queued.size, 'no job was still queued when the coordinator died').toBeGreaterThan(0);
  }, 420_000);
});
