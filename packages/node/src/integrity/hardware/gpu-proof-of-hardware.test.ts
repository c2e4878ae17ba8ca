import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderStatus } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OffChainCoordinator, startOffChainCoordinator } from '../../coordinator/testing.js';
import { FAKE_GPU } from '../../provider/adversary.js';
import type { ProviderDaemon } from '../../provider/api.js';
import { joinTestProvider, statusWhen } from './testing.js';

/**
 * A `fake-gpu` provider claims an H100 and answers GPU challenges on its CPU, with onnxruntime
 * and every core: the same products, the same digests, only seconds late. A coordinator that
 * takes the card for what the datasheet says fails the claim; one told that the card is as slow
 * as this CPU verifies it, which proves the whole path (graph, generation, check) passes an
 * answer that is right and in time. No GPU is needed for either.
 */
let dataDir: string;
const coordinators: OffChainCoordinator[] = [];
const providers: ProviderDaemon[] = [];

async function fakeGpuOn(
  name: string,
  cards?: Record<string, number>,
): Promise<[OffChainCoordinator, ProviderDaemon]> {
  const coordinator = await startOffChainCoordinator(`poh-gpu-${name}`, {
    // Two products of 4096² a challenge: about 2 s on two CPU cores, against a deadline under 1 s.
    hardwareChallenges: {
      firstWithinMs: 1,
      everyMs: 2_000,
      gpu: { minProducts: 2, maxProducts: 2, ...(cards ? { cards } : {}) },
    },
  });
  coordinators.push(coordinator);
  const provider = await joinTestProvider(coordinator, dataDir, name, { adversary: { kind: 'fake-gpu' } });
  providers.push(provider);
  return [coordinator, provider];
}

const gpuClaim = (status: ProviderStatus) => status.claims.find((claim) => claim.resource === 'gpu');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-poh-gpu-'));
});

afterAll(async () => {
  for (const provider of providers) await provider.stop();
  for (const coordinator of coordinators) await coordinator.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('proof of hardware: GPU claims', () => {
  it('fails an H100 answered by a CPU: right products, seconds late', async () => {
    const [coordinator, provider] = await fakeGpuOn('datasheet');
    expect(provider.hardware.gpus).toEqual([FAKE_GPU]);
    const status = await statusWhen(coordinator, provider.address, (s) => gpuClaim(s)?.status === 'failed');
    const claim = gpuClaim(status)!;
    expect(claim).toMatchObject({ claimed: 1, status: 'failed' });
    expect(claim.consecutiveFailures).toBeGreaterThanOrEqual(2);
    // Late, not wrong: the CPU computed exactly what the card would have.
    expect(claim.last?.failure).toBe('late');
    expect(claim.last!.elapsedMs).toBeGreaterThan(claim.last!.deadlineMs);
    // The CPU claim is judged on its own.
    expect(status.claims.find((one) => one.resource === 'cpu')?.status).not.toBe('failed');
  }, 120_000);

  it('verifies the same answers when the claimed card is as slow as they are', async () => {
    const [coordinator, provider] = await fakeGpuOn('slow-card', { H100: 0.01 });
    const status = await statusWhen(coordinator, provider.address, (s) => gpuClaim(s)?.status === 'verified');
    const claim = gpuClaim(status)!;
    expect(claim.last).toMatchObject({ passed: true });
    expect(claim.last!.elapsedMs).toBeLessThanOrEqual(claim.last!.deadlineMs);
  }, 120_000);
});
