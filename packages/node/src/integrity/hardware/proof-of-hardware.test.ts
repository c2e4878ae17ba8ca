import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderStatus } from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OffChainCoordinator, startOffChainCoordinator } from '../../coordinator/testing.js';
import type { ProviderDaemon, ProviderOptions } from '../../provider/api.js';
import { joinTestProvider, statusWhen } from './testing.js';

let coordinator: OffChainCoordinator;
let dataDir: string;
let honest: ProviderDaemon;
let inflated: ProviderDaemon;
let doubled: ProviderDaemon;

const join_ = (name: string, extra: Partial<ProviderOptions> = {}) =>
  joinTestProvider(coordinator, dataDir, name, extra);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-poh-'));
  // Challenged at once, then again every 2 s or so: a run of challenges in a few seconds.
  coordinator = await startOffChainCoordinator('poh', {
    hardwareChallenges: { firstWithinMs: 1, everyMs: 2_000 },
  });
  honest = await join_('honest', {});
  // One core claimed as 16: sixteen lanes on this machine's cores cannot finish in one lane's time.
  inflated = await join_('inflated', { adversary: { kind: 'fake-cores', factor: 16 } });
  // Twice the machine's cores: within the deadline on cores as fast as the coordinator's.
  doubled = await join_('doubled', {
    hardware: { cpuCores: availableParallelism(), memoryMb: 2048 },
    adversary: { kind: 'fake-cores', factor: 2 },
  });
}, 60_000);

afterAll(async () => {
  await honest?.stop();
  await inflated?.stop();
  await doubled?.stop();
  await coordinator?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const until = (address: string, done: (status: ProviderStatus) => boolean) =>
  statusWhen(coordinator, address, done, 60_000);

describe('proof of hardware', () => {
  it('verifies a true CPU claim and fails one inflated 16 times, which then counts for one core', async () => {
    const inflatedStatus = await until(inflated.address, (s) => s.claims[0]?.status === 'failed');
    const claim = inflatedStatus.claims[0]!;
    expect(claim).toMatchObject({ resource: 'cpu', claimed: 16, status: 'failed' });
    expect(claim.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(claim.last?.failure).toBe('late');
    expect(claim.last!.elapsedMs).toBeGreaterThan(claim.last!.deadlineMs);

    const honestStatus = await until(honest.address, (s) => s.claims[0]?.status === 'verified');
    expect(honestStatus.claims[0]).toMatchObject({ resource: 'cpu', claimed: 1, status: 'verified' });
    expect(honestStatus.claims[0]!.verifiedAt).toBeGreaterThan(0);
    expect(honestStatus.claims[0]!.last!.elapsedMs).toBeLessThanOrEqual(
      honestStatus.claims[0]!.last!.deadlineMs,
    );
    // Each failure costs reputation; passing costs nothing.
    expect(inflatedStatus.reputation).toBeLessThan(honestStatus.reputation);
    expect(honestStatus.claims[0]!.counted).toBe(1);
  }, 90_000);

  it('counts a claim of twice the cores as the cores its timing proves, whether it passes or not', async () => {
    const cores = availableParallelism();
    const status = await until(
      doubled.address,
      (s) => (s.claims[0]?.status ?? 'unverified') !== 'unverified',
    );
    const claim = status.claims[0]!;
    expect(claim.claimed).toBe(2 * cores);
    // Passed (cores as fast as the coordinator's) or failed (the machine was busy): never counted as claimed.
    expect(claim.counted).toBeLessThan(2 * cores);
    expect(claim.counted).toBeLessThanOrEqual(Math.floor(1.25 * cores));
  }, 90_000);
});
