import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchResult, getBalances, type Job, payForJob, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import { describe, expect, it } from 'vitest';
import { jobEvents, startNet, type TestNet } from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
/** What one slash takes: the job's stake floor, 10 x its max price of 1 GRID. */
const SLASH = 10n * ONE_GRID;
const primes = () =>
  readFile(fileURLToPath(new URL('../../packages/node/examples/wasm/build/primes.wasm', import.meta.url)));

interface Verification {
  runs: number;
  agreeing: string[];
  slashed: { provider: string; reason: string; transaction?: string }[];
  canary?: { state: string };
}

const bondedStakes = async (net: TestNet) =>
  Object.fromEntries(
    await Promise.all(
      net.providers.map(
        async (p) => [p.address, (await getBalances(net.chain, p.address)).stakeBonded] as const,
      ),
    ),
  );

/** Runs primes(1000) under `verification`; returns the accepted job and what its verification found. */
async function runPrimes(
  net: TestNet,
  verification: string,
): Promise<{ job: Job; verification: Verification }> {
  const submitted = await submitWasmJob(net.ctx, {
    module: await primes(),
    args: ['1000'],
    maxPrice: ONE_GRID,
    deadlineSeconds: 180,
    memoryMb: 16,
    cpuCores: 1,
    verification,
  });
  const job = await waitForJob(net.ctx, submitted.id, { timeoutMs: 180_000 });
  expect(job.state, `${job.id}: ${JSON.stringify(job.error)}`).toBe('accepted');
  // Never a wrong answer accepted: primes below 1000.
  expect(new TextDecoder().decode((await fetchResult(net.ctx, job)).stdout).trim()).toBe('168');
  const accepted = (await jobEvents(net.coordinatorUrl, job.id)).at(-1)!;
  return { job, verification: (accepted.detail as { verification: Verification }).verification };
}

describe('verification on a local network of processes', () => {
  it.each([
    ['wrong', 'returns wrong answers'],
    ['lazy', 'repeats its last answer without running the job'],
  ])(
    'catches a %s provider (it %s): slashed on-chain, its answer never accepted, the honest untouched',
    async (mode) => {
      // provider-2 is the cheapest, so a sampled job meets it first or as its auditor.
      const net = await startNet(4, ['--adversary', `provider-2=${mode}`]);
      try {
        const liar = net.providers.find((p) => p.name === 'provider-2')!.address;
        const before = await bondedStakes(net);
        const { job, verification } = await runPrimes(net, 'sample:1');
        expect(job.provider).not.toBe(liar);
        expect(verification.runs).toBe(4);
        expect(verification.slashed, JSON.stringify(verification)).toMatchObject([
          { provider: liar, reason: 'wrong-answer', transaction: expect.stringMatching(/^0x/) },
        ]);
        // The stake floor of the job left the liar's stake; nobody else's moved.
        const after = await bondedStakes(net);
        for (const provider of net.providers) {
          const expected =
            provider.address === liar ? before[provider.address]! - SLASH : before[provider.address];
          expect(after[provider.address]).toBe(expected);
        }
      } finally {
        await net.stop();
      }
    },
    240_000,
  );

  it('replicate(3) with a colluding pair and a provider that never reveals: only right answers accepted, each cheater slashed for each job it cheated on', async () => {
    const ring = await mkdtemp(join(tmpdir(), 'idlegrid-ring-'));
    const net = await startNet(6, [
      ...['--adversary', `provider-1=collude:${ring}`],
      ...['--adversary', `provider-2=collude:${ring}`],
      ...['--adversary', 'provider-3=no-reveal'],
    ]);
    try {
      const cheaters = new Set(
        ['provider-1', 'provider-2', 'provider-3'].map((name) => addressOf(net, name)),
      );
      const before = await bondedStakes(net);
      // Concurrent jobs, so that runs spread over all six providers (18 runs: each cheater meets some).
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => runPrimes(net, 'replicate:3')));
      const found = JSON.stringify(results.map((r) => r.verification));
      const slashes = new Map<string, number>();
      for (const { job, verification } of results) {
        expect(cheaters.has(job.provider!)).toBe(false);
        expect(verification.agreeing.length).toBeGreaterThanOrEqual(3);
        for (const slash of verification.slashed) {
          expect(cheaters.has(slash.provider), `${slash.provider} slashed: ${found}`).toBe(true);
          expect(slash.transaction).toMatch(/^0x/);
          expect(slash.reason, found).toBe(
            slash.provider === addressOf(net, 'provider-3') ? 'reveal-withheld' : 'wrong-answer',
          );
          slashes.set(slash.provider, (slashes.get(slash.provider) ?? 0) + 1);
        }
      }
      // Every cheater met at least one job and paid for each; the honest lost nothing.
      expect([...slashes.keys()].sort(), found).toEqual([...cheaters].sort());
      const after = await bondedStakes(net);
      for (const provider of net.providers) {
        const taken = BigInt(slashes.get(provider.address) ?? 0) * SLASH;
        expect(after[provider.address], provider.name).toBe(before[provider.address]! - taken);
      }
    } finally {
      await net.stop();
      await rm(ring, { recursive: true, force: true });
    }
  }, 300_000);

  it('canary: a known-answer job catches a provider that lies; it is slashed, and the job it ran is audited and answered right', async () => {
    const net = await startNet(4, ['--adversary', 'provider-2=wrong']);
    try {
      const liar = addressOf(net, 'provider-2');
      const before = await bondedStakes(net);
      const results = await Promise.all([1, 2, 3].map(() => runPrimes(net, 'canary:1')));
      let caught = 0;
      let slashed = 0n;
      for (const { job, verification } of results) {
        expect(job.provider).not.toBe(liar);
        for (const slash of verification.slashed) {
          expect(slash.provider).toBe(liar);
          expect(slash.transaction).toMatch(/^0x/);
          slashed += SLASH;
        }
        if (verification.canary?.state === 'failed') {
          caught++;
          expect(verification.slashed.map((s) => s.reason)).toContain('canary-failed');
        } else expect(verification.canary?.state).toBe('passed');
      }
      // provider-2 is the cheapest: it ran at least one of the jobs first and met its canary.
      expect(caught).toBeGreaterThanOrEqual(1);
      const after = await bondedStakes(net);
      for (const provider of net.providers) {
        const expected = provider.address === liar ? before[liar]! - slashed : before[provider.address];
        expect(after[provider.address], provider.name).toBe(expected);
      }
    } finally {
      await net.stop();
    }
  }, 240_000);

  it('slashes no honest provider: every audited and replicated answer agrees', async () => {
    const net = await startNet(3);
    try {
      const before = await bondedStakes(net);
      // 50 jobs, 110 runs compared.
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all(
          ['sample:1', 'sample:1', 'replicate:3', 'replicate:2', 'sample:1'].map((policy) =>
            runPrimes(net, policy),
          ),
        );
        for (const { verification } of results) {
          expect(verification.slashed).toEqual([]);
          if (verification.canary) expect(verification.canary.state).toBe('passed');
        }
      }
      expect(await bondedStakes(net)).toEqual(before);
      // A replicated job pays each of its three runs, each provider its own voucher.
      const { job } = await runPrimes(net, 'replicate:3');
      const { vouchers, job: settled } = await payForJob(net.ctx, job);
      expect(settled.state).toBe('settled');
      expect(new Set(vouchers.map((v) => v.message.provider)).size).toBe(3);
      const total = vouchers.reduce((sum, v) => sum + v.message.cumulativeAmount, 0n);
      expect(total).toBe(BigInt(job.price!));
    } finally {
      await net.stop();
    }
  }, 300_000);
});

function addressOf(net: TestNet, name: string): string {
  return net.providers.find((p) => p.name === name)!.address;
}
