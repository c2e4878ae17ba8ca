import type { Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { HardwareClaims } from '../integrity/hardware/claims.js';
import type { ProviderRegistry } from './provider-registry.js';
import { SybilWatch } from './sybil-watch.js';

const NOW = 1_800_000_000_000;
const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;
const SYBILS = [1, 2, 3].map(address);
const HONEST = address(9);

/**
 * The providers a coordinator observed, as its registry gives them (a test double: the model is
 * the real one). Three identities share a host, a heartbeat timer and a load curve; one provider
 * is elsewhere, on a timer and a load of its own.
 */
function observedRegistry(jobs: Map<Address, number>) {
  const beats = (phaseMs: number, load: (i: number) => number) =>
    Array.from({ length: 120 }, (_, i) => ({
      at: NOW - (120 - i) * 5_000 + phaseMs,
      cpuLoadPermille: load(i),
      memoryFreeMb: 1_000 + load(i),
      activeJobs: 0,
    }));
  const shared = beats(1_234, (i) => 400 + ((i * 37) % 300));
  const telemetry = new Map<Address, ReturnType<typeof beats>>([
    ...SYBILS.map((sybil) => [sybil, shared] as const),
    [HONEST, beats(3_901, (i) => 100 + ((i * 53) % 700))],
  ]);
  const entries = [...telemetry.keys()].map((provider) => ({
    address: provider,
    peer: provider,
    via: undefined,
    rttMs: SYBILS.includes(provider) ? 0.4 : 23,
    offer: { cpuCores: SYBILS.includes(provider) ? 2 : 8, memoryMb: 2_048, gpuCount: 0 },
  }));
  return {
    list: () => entries,
    isOnline: () => true,
    telemetry: (provider: Address) => telemetry.get(provider) ?? [],
    claims: new HardwareClaims(),
    activeJobs: (provider: Address) => jobs.get(provider) ?? 0,
  } as unknown as ProviderRegistry;
}

const hostsOf = (peer: string) => [SYBILS.includes(peer as Address) ? '203.0.113.7' : '198.51.100.20'];

describe('sybil caps in the coordinator', () => {
  it('gives a suspected cluster one job at a time, and leaves everyone else alone', async () => {
    const jobs = new Map<Address, number>();
    const watch = new SybilWatch({ registry: observedRegistry(jobs), hostsOf, everyMs: 3_600_000 });
    try {
      const snapshot = await watch.pass(NOW);
      const cluster = snapshot.clusters.find((c) => c.members.includes(SYBILS[0]!));
      expect(cluster?.members.slice().sort(), JSON.stringify(snapshot.clusters)).toEqual(SYBILS);
      expect(watch.clusterOf(HONEST)).toBeUndefined();
      // Idle: nobody is capped.
      expect(watch.capped()).toEqual([]);
      // One identity holds a job: the others of its cluster get none; the honest provider is free.
      jobs.set(SYBILS[1]!, 1);
      jobs.set(HONEST, 3);
      expect(watch.capped().sort()).toEqual([SYBILS[0], SYBILS[2]]);
    } finally {
      watch.stop();
    }
  });

  it('finds the cluster but caps nothing where caps are off (a local network on one machine)', async () => {
    const jobs = new Map<Address, number>([[SYBILS[0]!, 1]]);
    const watch = new SybilWatch({
      registry: observedRegistry(jobs),
      hostsOf,
      everyMs: 3_600_000,
      caps: false,
    });
    try {
      const snapshot = await watch.pass(NOW);
      expect(snapshot.clusters.some((c) => c.members.includes(SYBILS[1]!))).toBe(true);
      expect(watch.capped()).toEqual([]);
    } finally {
      watch.stop();
    }
  });
});
