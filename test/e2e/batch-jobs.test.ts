import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getJob, type JobOutcome, runWasmJob, runWasmJobs, type WasmJobRequest } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNet, type TestNet } from './localnet-harness.js';

// Many jobs through the batch API against a real local network (chain, coordinator and two
// providers as processes): one event stream with results inline, specs submitted in batches.

let net: TestNet;
let hashChain: Uint8Array;
beforeAll(async () => {
  net = await startNet(2);
  hashChain = await readFile(
    fileURLToPath(new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url)),
  );
}, 180_000);
afterAll(() => net?.stop());

function reference(rounds: number, input: string): string {
  let current: Buffer = Buffer.from(input, 'utf8');
  for (let i = 0; i < rounds; i++) current = createHash('sha256').update(current).digest();
  return current.toString('hex');
}

const request = (input: string, extra: Partial<WasmJobRequest> = {}): WasmJobRequest => ({
  module: hashChain,
  args: ['50', input],
  maxPrice: 10n ** 17n,
  deadlineSeconds: 300,
  memoryMb: 64,
  cpuCores: 1,
  ...extra,
});

describe('runWasmJob', () => {
  it('runs one job with one request: the submission is answered with its event stream', async () => {
    const { job, result } = await runWasmJob(net.ctx, request('alone'), { timeoutMs: 60_000 });
    expect(job.state).toBe('accepted');
    expect(new TextDecoder().decode(result!.stdout).trim()).toBe(reference(50, 'alone'));
    expect((await getJob(net.ctx, job.id)).resultCid).toBe(result!.manifestCid);
    await expect(
      runWasmJob(net.ctx, request('refused', { verification: 'no-such-policy' })),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  }, 60_000);
});

describe('runWasmJobs', () => {
  it('runs many jobs with checked results, in request order, and reports a refused one on its own', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => `input-${i}`);
    const requests = inputs.map((input) => request(input));
    // The SDK refuses this one before sending it, the coordinator that one at submission; the others go on.
    requests.splice(3, 0, request('malformed', { memoryMb: -5 }));
    requests.splice(7, 0, request('refused', { verification: 'no-such-policy' }));
    const seen: JobOutcome[] = [];
    const outcomes = await runWasmJobs(net.ctx, requests, {
      concurrency: 8,
      onOutcome: (outcome) => seen.push(outcome),
      timeoutMs: 120_000,
    });

    expect(outcomes.map((outcome) => outcome.index)).toEqual(requests.map((_, index) => index));
    expect(seen).toHaveLength(requests.length);
    for (const index of [3, 7]) {
      expect(outcomes[index]!.job).toBeUndefined();
      expect(outcomes[index]!.error?.code).toBe('INVALID_ARGUMENT');
    }
    const ran = outcomes.filter((_, index) => index !== 3 && index !== 7);
    for (const [i, outcome] of ran.entries()) {
      expect(outcome.error).toBeUndefined();
      expect(outcome.job?.state).toBe('accepted');
      expect(outcome.result?.exitCode).toBe(0);
      expect(new TextDecoder().decode(outcome.result!.stdout).trim()).toBe(reference(50, inputs[i]!));
    }
    // The providers shared the work, and the coordinator agrees with what the run reported.
    const providers = new Set(ran.map((outcome) => outcome.job!.provider));
    expect(providers.size).toBe(2);
    const stored = await getJob(net.ctx, ran[0]!.job!.id);
    expect(stored.resultCid).toBe(ran[0]!.result!.manifestCid);
  }, 180_000);

  it('ends jobs still running at its timeout with JOB_WAIT_TIMEOUT, and submits no more', async () => {
    // Long chains, one at a time: the timeout comes while the first runs.
    const requests = Array.from({ length: 3 }, (_, i) =>
      request(`slow-${i}`, { args: ['20000000', `slow-${i}`] }),
    );
    const outcomes = await runWasmJobs(net.ctx, requests, { concurrency: 1, timeoutMs: 1_500 });
    expect(outcomes.map((outcome) => outcome.error?.code)).toEqual([
      'JOB_WAIT_TIMEOUT',
      'JOB_WAIT_TIMEOUT',
      'JOB_WAIT_TIMEOUT',
    ]);
    expect(outcomes[0]!.job).toBeUndefined();
    // Only the first was submitted.
    expect(outcomes[0]!.error?.details).toHaveProperty('jobId');
    expect(outcomes[1]!.error?.details).not.toHaveProperty('jobId');
  }, 60_000);
});
