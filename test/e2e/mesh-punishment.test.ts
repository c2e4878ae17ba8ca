import { readFile } from 'node:fs/promises';
import { CoordinatorClient, fetchResult, getBalances, type JobsContext, runWasmJob } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleWasm } from './cli-harness.js';
import {
  jobEvents,
  type LocalnetCoordinator,
  providersAt,
  startNet,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

const ONE_GRID = 10n ** 18n;
const primes = () => readFile(exampleWasm('primes'));

let net: TestNet;
let first: LocalnetCoordinator;
let second: LocalnetCoordinator;

beforeAll(async () => {
  // provider-2 (the cheapest, joined to the second coordinator) returns wrong answers.
  net = await startNet(4, ['--coordinators', '2', '--adversary', 'provider-2=wrong']);
  [first, second] = net.coordinators as [LocalnetCoordinator, LocalnetCoordinator];
}, 240_000);

afterAll(async () => {
  await net?.stop();
}, 60_000);

const contextOf = (coordinator: LocalnetCoordinator): JobsContext => ({
  ...net.ctx,
  coordinator: new CoordinatorClient({ url: coordinator.apiUrl, timeoutMs: 20_000 }),
});

const primesJob = async (verification: string) => ({
  module: await primes(),
  args: ['1000'],
  maxPrice: ONE_GRID,
  deadlineSeconds: 180,
  memoryMb: 16,
  cpuCores: 1,
  verification,
});

describe('a punishment travels the mesh', () => {
  it('a provider slashed through one coordinator is suspended by the others, which give it no more work', async () => {
    const liar = net.providers.find((p) => p.name === 'provider-2')!.address;
    // The first coordinator knows every provider (its own, and the second's through the mesh).
    await waitFor(
      async () => (await providersAt(first.apiUrl)).filter((p) => p.online).length === net.providers.length,
      60_000,
      'the first coordinator to know all four providers',
    );
    const stakeBefore = (await getBalances(net.chain, liar)).stakeBonded;

    // A sampled job on the first coordinator meets the liar (the cheapest) as runner or auditor.
    const ctx = contextOf(first);
    const { job } = await runWasmJob(ctx, await primesJob('sample:1'), { timeoutMs: 180_000 });
    expect(job.state, JSON.stringify(job.error)).toBe('accepted');
    expect(new TextDecoder().decode((await fetchResult(ctx, job)).stdout).trim()).toBe('168');
    const accepted = (await jobEvents(first.apiUrl, job.id)).at(-1)!;
    const { slashed } = (accepted.detail as { verification: { slashed: { provider: string }[] } })
      .verification;
    expect(slashed.map((s) => s.provider)).toEqual([liar]);
    expect((await getBalances(net.chain, liar)).stakeBonded).toBeLessThan(stakeBefore);

    // The second coordinator, the one the liar is joined to, heard it from the first, believed it
    // (the first may slash on-chain), and suspended it.
    await waitFor(
      async () => {
        const { mesh } = (await contextOf(second).coordinator.getJson('/v1/network')) as {
          mesh: { punished: { provider: string; coordinator: string }[] };
        };
        return mesh.punished.some((p) => p.provider === liar && p.coordinator === first.address);
      },
      30_000,
      'the punishment to reach the second coordinator',
    );
    const provider = (await providersAt(second.apiUrl)).find((p) => p.address === liar)!;
    expect(provider.joinedVia).toBeNull();
    expect(provider.suspendedUntil).toBeGreaterThan(Date.now() + 3_000_000);

    // Unchecked jobs on the second coordinator now go to the others only.
    const runs = await Promise.all(
      [1, 2, 3, 4].map(async () => (await runWasmJob(contextOf(second), await primesJob('none'))).job),
    );
    for (const run of runs) {
      expect(run.state).toBe('accepted');
      expect(run.provider).not.toBe(liar);
    }
  }, 240_000);
});
