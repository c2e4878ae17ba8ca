import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { signMessage } from '@idlegrid/protocol';
import {
  buildWasmJobSpec,
  fetchResult,
  getBalances,
  type Job,
  type JobsContext,
  listJobs,
  payForJob,
  submitWasmJob,
  uploadArtifact,
  waitForJob,
} from '@idlegrid/sdk';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { exitWith, growThenTrap, spinForever } from '../../packages/node/dist/runtimes/wasm/test-modules.js';
import { startCli } from './cli-harness.js';
import {
  isAlive,
  jobEvents,
  killPid,
  paymentState,
  pidOf,
  pollJob,
  postRaw,
  runsInProgress,
  startNet,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

// Failure tests against a real local network: chain, coordinator and providers are separate
// processes started by the CLI; the tests kill them, restart them and feed them bad input.

const example = (name: string) =>
  readFile(fileURLToPath(new URL(`../../packages/node/examples/wasm/build/${name}.wasm`, import.meta.url)));

/** The coordinator's upload limit (api/server.ts bodyLimit and storage/artifact-store.ts maxBytes). */
const UPLOAD_LIMIT = 256 * 2 ** 20;
const ONE_GRID = 10n ** 18n;

let nets: TestNet[] = [];
afterEach(async () => {
  for (const net of nets) await net.stop();
  nets = [];
});
async function network(providers: number): Promise<TestNet> {
  const net = await startNet(providers);
  nets.push(net);
  return net;
}

function hashChain(rounds: number, input: string): string {
  let current: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < rounds; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
}

function submitHashChain(ctx: JobsContext, module: Uint8Array, rounds: number, input: string) {
  return submitWasmJob(ctx, {
    module,
    args: [String(rounds), input],
    maxPrice: ONE_GRID,
    deadlineSeconds: 300,
    memoryMb: 64,
    cpuCores: 1,
  });
}

function submitModule(ctx: JobsContext, module: Uint8Array, deadlineSeconds: number) {
  return submitWasmJob(ctx, { module, maxPrice: ONE_GRID, deadlineSeconds, memoryMb: 16, cpuCores: 1 });
}

const acceptedCount = async (net: TestNet, id: string) =>
  (await jobEvents(net.coordinatorUrl, id)).filter((event) => event.to === 'accepted').length;

/** A small job that must run, on `provider`: the provider process is still up and working. */
async function expectProviderServes(net: TestNet, provider: Address) {
  const job = await submitWasmJob(net.ctx, {
    module: await example('primes'),
    args: ['1000'],
    maxPrice: ONE_GRID,
    deadlineSeconds: 120,
    memoryMb: 16,
    cpuCores: 1,
  });
  const done = await waitForJob(net.ctx, job.id, { timeoutMs: 120_000 });
  expect(done).toMatchObject({ state: 'accepted', provider });
  expect(new TextDecoder().decode((await fetchResult(net.ctx, done)).stdout).trim()).toBe('168');
}

/** Ends `failed` with `code`, or is refused at submission with it: either way the client gets the code. */
async function expectJobRefused(net: TestNet, module: Uint8Array, codes: string[], deadlineSeconds = 45) {
  let job: Job;
  try {
    job = await submitModule(net.ctx, module, deadlineSeconds);
  } catch (error) {
    expect(codes).toContain((error as { code?: string }).code);
    return;
  }
  const done = await waitForJob(net.ctx, job.id, { timeoutMs: (deadlineSeconds + 30) * 1000 });
  expect(done.state).toBe('failed');
  expect(codes).toContain(done.error?.code);
}

describe('a provider killed mid-job', () => {
  it('moves the job to the other provider, which completes it; the client pays exactly once', async () => {
    const net = await network(2);
    const { ctx } = net;
    const client = ctx.signer.address;
    const before = await getBalances(net.chain, client);

    const rounds = 2_000_000;
    const job = await submitHashChain(ctx, await example('hash-chain'), rounds, 'killed mid-job');
    const running = await pollJob(ctx, job.id, (j) => j.state === 'running', 60_000);
    const victim = net.providers.find((p) => p.address === running.provider)!;
    const survivor = net.providers.find((p) => p !== victim)!;
    // The run has really started on the victim before it dies.
    await waitFor(
      async () => (await runsInProgress(net.dataDir, victim.address)) > 0,
      30_000,
      'the run to start',
    );
    const pid = await pidOf(net.dataDir, `--name ${victim.name} `);
    killPid(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 10_000, 'the provider to die');

    const done = await waitForJob(ctx, job.id, { timeoutMs: 170_000 });
    expect(done).toMatchObject({ state: 'accepted', provider: survivor.address, attempt: 2 });
    const events = await jobEvents(net.coordinatorUrl, job.id);
    expect(events.filter((e) => e.to === 'accepted')).toHaveLength(1);
    expect(events.find((e) => e.to === 'submitted' && e.detail.retry === 2)?.detail.code).toBe(
      'LEASE_EXPIRED',
    );
    const result = await fetchResult(ctx, done);
    expect(new TextDecoder().decode(result.stdout).trim()).toBe(hashChain(rounds, 'killed mid-job'));

    const {
      job: settled,
      vouchers: [voucher],
    } = await payForJob(ctx, done);
    expect(settled.state).toBe('settled');
    // Paying again is refused, by the SDK and by the coordinator (the same voucher, or a new one).
    await expect(payForJob(ctx, done)).rejects.toMatchObject({ code: 'JOB_INVALID_TRANSITION' });
    const replayed = await postRaw(net.coordinatorUrl, `/v1/jobs/${job.id}/payment`, { voucher });
    expect([replayed.status, replayed.body.error?.code]).toEqual([409, 'JOB_INVALID_TRANSITION']);

    expect(await paymentState(net.coordinatorUrl, client, survivor.address)).toEqual({
      cumulativeAmount: done.price,
      nonce: '1',
    });
    expect(await paymentState(net.coordinatorUrl, client, victim.address)).toEqual({
      cumulativeAmount: '0',
      nonce: '0',
    });
    // The survivor redeems on its own (localnet's redeem threshold): the deposit pays the price once.
    await waitFor(
      async () => (await getBalances(net.chain, client)).deposit !== before.deposit,
      60_000,
      'the voucher to be redeemed',
    );
    expect((await getBalances(net.chain, client)).deposit).toBe(before.deposit - BigInt(done.price!));
  }, 300_000);
});

describe('a coordinator killed and restarted', () => {
  /** SIGKILLs the coordinator and returns a function that restarts it on the same ports. */
  async function killCoordinator(net: TestNet) {
    const pid = await pidOf(net.dataDir, ' coordinator start');
    killPid(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 10_000, 'the coordinator to die');
    return async () => {
      const apiPort = new URL(net.coordinatorUrl).port;
      const p2pPort = /\/tcp\/(\d+)\//.exec(net.coordinatorP2p)![1]!;
      const restarted = await startCli([
        '--data-dir',
        net.dataDir,
        '--json',
        'coordinator',
        'start',
        '--api-port',
        apiPort,
        '--p2p-port',
        p2pPort,
      ]);
      expect((restarted.first as { apiUrl: string }).apiUrl).toBe(net.coordinatorUrl);
      // Providers re-hello after a heartbeat to the dead coordinator failed.
      await waitFor(
        async () => {
          const response = await fetch(new URL('/v1/providers', net.coordinatorUrl));
          const { providers } = (await response.json()) as { providers: { address: string }[] };
          return providers.length === net.providers.length;
        },
        60_000,
        'the providers to reconnect',
      );
      return restarted;
    };
  }

  async function expectAllAcceptedOnce(net: TestNet, jobs: Job[]) {
    const done = await Promise.all(jobs.map((job) => waitForJob(net.ctx, job.id, { timeoutMs: 170_000 })));
    expect(done.map((job) => job.state)).toEqual(jobs.map(() => 'accepted'));
    for (const job of done) expect(await acceptedCount(net, job.id)).toBe(1);
    // Every accepted job can be paid, once.
    for (const job of done) expect((await payForJob(net.ctx, job)).job.state).toBe('settled');
  }

  // Jobs whose assignment or result is lost in the outage are recovered: providers list the
  // jobs they hold when they say hello again, the coordinator queues again any job its provider
  // no longer holds, and providers keep undelivered results until the coordinator takes them.
  it('keeps every in-flight job: the providers reconnect and each job is accepted exactly once', async () => {
    const net = await network(2);
    const module = await example('hash-chain');
    const jobs = await Promise.all(
      ['a', 'b', 'c'].map((input) => submitHashChain(net.ctx, module, 3_000_000, input)),
    );
    await pollJob(net.ctx, jobs[0]!.id, (j) => j.state === 'running', 60_000);
    const restart = await killCoordinator(net);
    await restart();
    await expectAllAcceptedOnce(net, jobs);
  }, 300_000);

  it('recovers a job whose run finished while the coordinator was down', async () => {
    const net = await network(1);
    const job = await submitHashChain(net.ctx, await example('hash-chain'), 1_000_000, 'finished offline');
    const running = await pollJob(net.ctx, job.id, (j) => j.state === 'running', 60_000);
    await waitFor(
      async () => (await runsInProgress(net.dataDir, running.provider as Address)) > 0,
      30_000,
      'the run to start',
    );
    const restart = await killCoordinator(net);
    await waitFor(
      async () => (await runsInProgress(net.dataDir, running.provider as Address)) === 0,
      60_000,
      'the run to end while the coordinator is down',
    );
    await restart();
    const done = await waitForJob(net.ctx, job.id, { timeoutMs: 60_000 });
    expect(done.state).toBe('accepted');
    expect(await acceptedCount(net, job.id)).toBe(1);
  }, 300_000);
});

describe('bad input', () => {
  it('refuses tampered, forged, re-signed and oversized submissions; a replay never runs twice', async () => {
    const net = await network(1);
    const { ctx } = net;
    const client = ctx.signer.address;
    const provider = net.providers[0]!.address;
    const balancesBefore = await Promise.all([client, provider].map((a) => getBalances(net.chain, a)));
    const moduleCid = await uploadArtifact(ctx, await example('primes'));
    const spec = (overrides: Partial<Parameters<typeof buildWasmJobSpec>[0]> = {}) =>
      buildWasmJobSpec({
        client,
        moduleCid,
        args: ['1000'],
        maxPrice: ONE_GRID,
        deadlineSeconds: 120,
        memoryMb: 16,
        cpuCores: 1,
        nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
        ...overrides,
      });
    const post = (body: unknown) => postRaw(net.coordinatorUrl, '/v1/jobs', body);

    // Tampered after signing: the signature no longer recovers the client.
    const signed = await signMessage(ctx.signer, ctx.domain, 'JobSpec', spec());
    const tampered = await post({ ...signed, message: { ...signed.message, maxPrice: 10n * ONE_GRID } });
    expect([tampered.status, tampered.body.error?.code]).toEqual([401, 'SIGNER_MISMATCH']);
    // Signed by someone else in the client's name.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const forged = await post(await signMessage(stranger, ctx.domain, 'JobSpec', spec()));
    expect([forged.status, forged.body.error?.code]).toEqual([401, 'SIGNER_MISMATCH']);
    // A garbled signature, and none at all.
    const garbled = await post({ ...signed, signature: `0x${'00'.repeat(65)}` });
    expect(garbled.status).toBe(401);
    expect(['SIGNATURE_INVALID', 'SIGNER_MISMATCH']).toContain(garbled.body.error?.code);
    const unsigned = await post({ kind: 'JobSpec', message: signed.message });
    expect([unsigned.status, unsigned.body.error?.code]).toEqual([401, 'SIGNATURE_INVALID']);
    // Signed for another network.
    const otherChain = await post(
      await signMessage(ctx.signer, { ...ctx.domain, chainId: ctx.domain.chainId + 1 }, 'JobSpec', spec()),
    );
    expect([otherChain.status, otherChain.body.error?.code]).toEqual([401, 'SIGNER_MISMATCH']);
    // Expired.
    const stale = await post(
      await signMessage(
        ctx.signer,
        ctx.domain,
        'JobSpec',
        spec({ nowSeconds: BigInt(Math.floor(Date.now() / 1000)) - 3_600n }),
      ),
    );
    expect([stale.status, stale.body.error?.code]).toEqual([401, 'MESSAGE_EXPIRED']);
    expect(await listJobs(ctx, { client })).toEqual([]);

    // The real one runs; replaying its exact bytes returns the same job and never runs it again.
    const first = await post(signed);
    expect(first.status).toBe(201);
    const id = first.body.job!.id;
    const done = await waitForJob(ctx, id, { timeoutMs: 120_000 });
    expect(done.state).toBe('accepted');
    const replayed = await post(signed);
    expect(replayed.status === 201 || replayed.body.error?.code === 'MESSAGE_REPLAYED').toBe(true);
    if (replayed.status === 201) expect(replayed.body.job).toMatchObject({ id, state: 'accepted' });
    // The same job id signed again with a new nonce is a different spec: refused.
    const resigned = await post(
      await signMessage(ctx.signer, ctx.domain, 'JobSpec', { ...signed.message, nonce: 42n }),
    );
    expect([resigned.status, resigned.body.error?.code]).toEqual([409, 'JOB_EXISTS']);
    expect((await listJobs(ctx, { client })).map((job) => job.id)).toEqual([id]);
    const events = await jobEvents(net.coordinatorUrl, id);
    expect(events.filter((e) => e.to === 'submitted')).toHaveLength(1);
    expect(events.filter((e) => e.to === 'accepted')).toHaveLength(1);

    // An upload over the limit is refused before its body is read.
    const oversized = await postOversized(net.coordinatorUrl, UPLOAD_LIMIT + 1);
    expect([oversized.status, oversized.code]).toEqual([413, 'ARTIFACT_TOO_LARGE']);
    expect((await fetch(new URL('/healthz', net.coordinatorUrl))).ok).toBe(true);

    // Nothing was paid (the accepted job was not), and the provider still serves.
    const balancesAfter = await Promise.all([client, provider].map((a) => getBalances(net.chain, a)));
    expect(balancesAfter.map((b) => [b.tokens, b.deposit])).toEqual(
      balancesBefore.map((b) => [b.tokens, b.deposit]),
    );
    await expectProviderServes(net, provider);
  }, 240_000);

  it('refuses a job from a client with no deposit, with INSUFFICIENT_FUNDS', async () => {
    const net = await network(1);
    const provider = net.providers[0]!.address;
    const broke = privateKeyToAccount(generatePrivateKey());
    const ctx = { ...net.ctx, signer: broke };
    const before = await Promise.all([broke.address, provider].map((a) => getBalances(net.chain, a)));
    await expect(submitModule(ctx, exitWith(0), 120)).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const raw = await postRaw(
      net.coordinatorUrl,
      '/v1/jobs',
      await signMessage(
        broke,
        ctx.domain,
        'JobSpec',
        buildWasmJobSpec({
          client: broke.address,
          moduleCid: await uploadArtifact(ctx, exitWith(0)),
          maxPrice: ONE_GRID,
          deadlineSeconds: 120,
          memoryMb: 16,
          cpuCores: 1,
          nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
        }),
      ),
    );
    expect([raw.status, raw.body.error?.code]).toEqual([402, 'INSUFFICIENT_FUNDS']);
    expect(await listJobs(ctx, { client: broke.address })).toEqual([]);
    const after = await Promise.all([broke.address, provider].map((a) => getBalances(net.chain, a)));
    expect(after.map((b) => [b.tokens, b.deposit])).toEqual(before.map((b) => [b.tokens, b.deposit]));
    await expectProviderServes(net, provider);
  }, 240_000);

  it('ends a module that loops forever at its deadline, and frees the provider', async () => {
    const net = await network(1);
    const provider = net.providers[0]!.address;
    const pid = await pidOf(net.dataDir, '--name provider-1 ');
    const deposit = (await getBalances(net.chain, net.ctx.signer.address)).deposit;
    const job = await submitModule(net.ctx, spinForever(), 20);
    await pollJob(net.ctx, job.id, (j) => j.state === 'running', 60_000);
    const done = await waitForJob(net.ctx, job.id, { timeoutMs: 90_000 });
    expect(done.state).toBe('expired');
    await expect(payForJob(net.ctx, done)).rejects.toMatchObject({ code: 'JOB_INVALID_TRANSITION' });
    // The run was stopped (its scratch directory is gone), the process lives and takes new work.
    await waitFor(async () => (await runsInProgress(net.dataDir, provider)) === 0, 30_000, 'the run to stop');
    expect(isAlive(pid)).toBe(true);
    await expectProviderServes(net, provider);
    expect((await getBalances(net.chain, net.ctx.signer.address)).deposit).toBe(deposit);
  }, 240_000);

  it('fails a job whose module is not WebAssembly with WASM_INVALID_MODULE', async () => {
    const net = await network(1);
    const provider = net.providers[0]!.address;
    const pid = await pidOf(net.dataDir, '--name provider-1 ');
    const deposit = (await getBalances(net.chain, net.ctx.signer.address)).deposit;
    try {
      await expectJobRefused(net, new TextEncoder().encode('\0asm, but not a module'), [
        'WASM_INVALID_MODULE',
      ]);
    } finally {
      // Whatever the outcome, the provider is up and no funds moved.
      expect(isAlive(pid)).toBe(true);
      await expectProviderServes(net, provider);
      expect((await getBalances(net.chain, net.ctx.signer.address)).deposit).toBe(deposit);
    }
  }, 240_000);

  it('fails a job that exhausts its memory with WASM_TRAP or WASM_MEMORY_LIMIT', async () => {
    const net = await network(1);
    const provider = net.providers[0]!.address;
    const pid = await pidOf(net.dataDir, '--name provider-1 ');
    const deposit = (await getBalances(net.chain, net.ctx.signer.address)).deposit;
    try {
      await expectJobRefused(net, growThenTrap(), ['WASM_TRAP', 'WASM_MEMORY_LIMIT']);
    } finally {
      expect(isAlive(pid)).toBe(true);
      await expectProviderServes(net, provider);
      expect((await getBalances(net.chain, net.ctx.signer.address)).deposit).toBe(deposit);
    }
  }, 240_000);
});

/** Announces a body over the limit and sends only its start: the answer must come anyway. */
function postOversized(url: string, size: number): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/v1/artifacts', url),
      {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          req.destroy();
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: response.statusCode ?? 0, code });
        });
      },
    );
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
    req.write(Buffer.alloc(64 * 1024));
  });
}
