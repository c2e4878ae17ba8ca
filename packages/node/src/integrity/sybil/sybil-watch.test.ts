import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offChainNetwork } from '../../api/testing.js';
import type { SybilSnapshot } from '../../coordinator/sybil-watch.js';
import { type OffChainCoordinator, startOffChainCoordinator } from '../../coordinator/testing.js';
import type { ProviderDaemon } from '../../provider/api.js';
import { startProvider } from '../../provider/daemon.js';
import { DEFAULT_LANE } from '../hardware/cpu-challenge.js';

/** Identities one operator runs in this one process (`sybil:N`), each claiming the whole machine. */
const SYBILS = 4;
let coordinator: OffChainCoordinator;
let dataDir: string;
const sybils: ProviderDaemon[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-sybil-'));
  coordinator = await startOffChainCoordinator('sybil', {
    // Each identity is challenged alone first (and passes: it has the machine's cores to itself).
    // Lanes four times the default's work: the deadline's fixed 250 ms of start-up slack is then
    // small beside them, and four identities' lanes at once are late by far, on a loaded machine too.
    hardwareChallenges: {
      firstWithinMs: 1,
      everyMs: 3_600_000,
      lane: { ...DEFAULT_LANE, rounds: DEFAULT_LANE.rounds * 4 },
    },
    sybilScanMs: 2_000,
  });
  for (let i = 0; i < SYBILS; i++) {
    sybils.push(
      await startProvider({
        dataDir: join(dataDir, `sybil-${i}`),
        coordinator: coordinator.coordinator.p2pAddrs[0]!,
        network: offChainNetwork,
        chainChecks: false,
        heartbeatIntervalMs: 250,
        hardware: { cpuCores: availableParallelism(), memoryMb: 2048 },
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const sybil of sybils) await sybil.stop();
  await coordinator?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function sybilSnapshot(): Promise<SybilSnapshot> {
  return (await coordinator.client.getJson('/v1/integrity/sybil').catch(() => undefined)) as SybilSnapshot;
}

describe('sybil detection in the coordinator', () => {
  it('challenges the suspected identities at one instant, and reports them as one cluster with evidence', async () => {
    const addresses = sybils.map((sybil) => sybil.address.toLowerCase()).sort();
    const sameMembers = (members: string[]) =>
      JSON.stringify(members.map((m) => m.toLowerCase()).sort()) === JSON.stringify(addresses);
    let snapshot: SybilSnapshot | undefined;
    const started = Date.now();
    while (Date.now() - started < 90_000) {
      snapshot = await sybilSnapshot();
      // Passive signals alone may link them first; the simultaneous challenge follows in a later pass.
      if (
        snapshot?.clusters.some((cluster) => sameMembers(cluster.members)) &&
        snapshot.challenged.length > 0
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const cluster = snapshot!.clusters.find((c) => sameMembers(c.members));
    expect(cluster, JSON.stringify(snapshot)).toBeDefined();
    expect(cluster!.score).toBeGreaterThan(0.5);
    expect(cluster!.evidence.length).toBeGreaterThan(0);
    expect(cluster!.evidence.every((item) => item.reason.length > 0)).toBe(true);
    // The model asked for simultaneous challenges of these identities only; one machine could not answer them in time.
    expect(snapshot!.challenged.length).toBeGreaterThan(0);
    for (const challenge of snapshot!.challenged)
      for (const member of challenge.members) expect(addresses).toContain(member.toLowerCase());
    expect(snapshot!.challenged.some((challenge) => challenge.failed.length > 0)).toBe(true);
  }, 120_000);
});
