import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { fetchResult, getBalances, submitWasmJob, waitForJob } from '@idlegrid/sdk';
import { describe, expect, it } from 'vitest';
import { jobEvents, startNet } from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
const primes = () =>
  readFile(fileURLToPath(new URL('../../packages/node/examples/wasm/build/primes.wasm', import.meta.url)));

describe('verification on a local network of processes', () => {
  it('catches a provider that returns wrong answers: slashed on-chain, its answer never accepted, the honest untouched', async () => {
    // provider-2 is the cheapest, so a sampled job meets it first or as its auditor.
    const net = await startNet(4, ['--adversary', 'provider-2=wrong']);
    try {
      const liar = net.providers.find((p) => p.name === 'provider-2')!.address;
      const stakes = async () =>
        Object.fromEntries(
          await Promise.all(
            net.providers.map(
              async (p) => [p.address, (await getBalances(net.chain, p.address)).stakeBonded] as const,
            ),
          ),
        );
      const before = await stakes();
      const job = await submitWasmJob(net.ctx, {
        module: await primes(),
        args: ['1000'],
        maxPrice: ONE_GRID,
        deadlineSeconds: 120,
        memoryMb: 16,
        cpuCores: 1,
        verification: 'sample:1',
      });
      const done = await waitForJob(net.ctx, job.id, { timeoutMs: 120_000 });
      expect(done.state).toBe('accepted');
      expect(done.provider).not.toBe(liar);
      expect(new TextDecoder().decode((await fetchResult(net.ctx, done)).stdout).trim()).toBe('168');

      const accepted = (await jobEvents(net.coordinatorUrl, job.id)).at(-1)!;
      const { verification } = accepted.detail as {
        verification: { runs: number; slashed: { provider: string; transaction?: string }[] };
      };
      expect(verification.runs).toBe(4);
      expect(verification.slashed, JSON.stringify(verification)).toMatchObject([
        { provider: liar, transaction: expect.stringMatching(/^0x/) },
      ]);
      // The stake floor of the job (10 x its max price) left the liar's stake; nobody else's moved.
      const after = await stakes();
      for (const provider of net.providers) {
        expect(after[provider.address]).toBe(
          provider.address === liar ? before[provider.address]! - 10n * ONE_GRID : before[provider.address],
        );
      }
    } finally {
      await net.stop();
    }
  }, 240_000);
});
