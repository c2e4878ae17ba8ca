import type { Address } from 'viem';
import type { IdentityObservation, SybilCluster } from '../integrity/sybil/api.js';
import { challengeGroupsFromPairs } from '../integrity/sybil/challenge-groups.js';
import { clustersFromPairs, scoreSybilPairs } from '../integrity/sybil/detect.js';
import type { HardwareChallenges } from './hardware-challenges.js';
import type { ProviderRegistry } from './provider-registry.js';

export interface SybilWatchDeps {
  registry: ProviderRegistry;
  /** Simultaneous challenges turn a suspicion into proof; without them clusters rest on the model alone. */
  hardware?: HardwareChallenges | undefined;
  /** The network hosts (IP addresses) a peer is connected from. */
  hostsOf: (peer: string) => string[];
  /** How often the detector runs (default one minute). */
  everyMs?: number;
  /** False: clusters are found and shown, never capped (a local network's providers share one machine by design). */
  caps?: boolean;
}

/** What the dashboard and `/v1/integrity/sybil` show. */
export interface SybilSnapshot {
  at: number;
  clusters: SybilCluster[];
  /** Groups challenged at the same instant since the start, and what came of it. */
  challenged: { members: Address[]; at: number; failed: Address[] }[];
}

const KEPT_CHALLENGES = 50;

/**
 * Sybil detection in the coordinator: every minute it hands what it observed of the providers
 * joined here (hosts, round trips, heartbeats, telemetry, claims and challenges) to the sybil
 * model, keeps the suspected clusters, and challenges at the same instant the groups the model
 * suspects but no simultaneous challenge has tested yet (one group a pass).
 *
 * A suspected cluster is capped: it gets the work of one machine. While one of its identities
 * holds a job, the others get none (`capped`), so the cluster earns what one provider would.
 */
export class SybilWatch {
  #snapshot: SybilSnapshot = { at: 0, clusters: [], challenged: [] };
  readonly #clusterOf = new Map<Address, Address[]>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(private readonly deps: SybilWatchDeps) {
    this.#schedule(deps.everyMs ?? 60_000);
  }

  /**
   * The next pass, at least `everyMs` away and 20 times as long as the last one took: a pass
   * over 10,000 identities takes seconds on the event loop, which must stay free for jobs.
   */
  #schedule(inMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      const started = performance.now();
      await this.pass().catch(() => {});
      this.#schedule(Math.max(this.deps.everyMs ?? 60_000, 20 * (performance.now() - started)));
    }, inMs);
    this.#timer.unref();
  }

  snapshot(): SybilSnapshot {
    return this.#snapshot;
  }

  /** One detection pass: clusters now, then the next simultaneous challenge the model asks for. */
  async pass(now = Date.now()): Promise<SybilSnapshot> {
    const observations = this.#observe(now);
    const pairs = scoreSybilPairs(observations);
    this.#setClusters(clustersFromPairs(pairs, observations), now);
    const [group] = challengeGroupsFromPairs(pairs, observations);
    if (group && this.deps.hardware) {
      const verdicts = await this.deps.hardware.challenge(group);
      const failed = group.filter((member) => verdicts.get(member)?.passed === false);
      this.#snapshot.challenged = [...this.#snapshot.challenged, { members: group, at: now, failed }].slice(
        -KEPT_CHALLENGES,
      );
      // The challenge's outcome is evidence at once: score again with it.
      const again = this.#observe(Date.now());
      this.#setClusters(clustersFromPairs(scoreSybilPairs(again), again), Date.now());
    }
    return this.#snapshot;
  }

  #setClusters(clusters: SybilCluster[], at: number): void {
    this.#snapshot = { ...this.#snapshot, at, clusters };
    this.#clusterOf.clear();
    for (const cluster of clusters)
      for (const member of cluster.members) this.#clusterOf.set(member, cluster.members);
  }

  /** Identities of suspected clusters that get no new job now: another of their cluster holds one. */
  capped(): Address[] {
    const capped: Address[] = [];
    if (this.deps.caps === false) return capped;
    for (const cluster of this.#snapshot.clusters) {
      if (!cluster.members.some((member) => this.deps.registry.activeJobs(member) > 0)) continue;
      capped.push(...cluster.members.filter((member) => this.deps.registry.activeJobs(member) === 0));
    }
    return capped;
  }

  /** The suspected cluster the provider belongs to, if any. */
  clusterOf(address: Address): Address[] | undefined {
    return this.#clusterOf.get(address);
  }

  #observe(now: number): IdentityObservation[] {
    const { registry } = this.deps;
    return registry
      .list()
      .filter((entry) => entry.via === undefined && registry.isOnline(entry.address, now))
      .map((entry) => {
        const telemetry = registry.telemetry(entry.address);
        return {
          address: entry.address,
          hosts: this.deps.hostsOf(entry.peer),
          rttMs: entry.rttMs === undefined ? [] : [entry.rttMs],
          heartbeatAt: telemetry.map((point) => point.at),
          telemetry: telemetry.map((point) => ({
            at: point.at,
            cpuLoad: point.cpuLoadPermille / 1000,
            freeMemoryMb: point.memoryFreeMb,
          })),
          claim: {
            cpuCores: entry.offer.cpuCores,
            memoryMb: entry.offer.memoryMb,
            gpuCount: entry.offer.gpuCount,
          },
          challenges: registry.claims.of(entry.address).flatMap((claim) =>
            claim.recent.map((verdict) => ({
              at: verdict.at,
              group: verdict.group,
              lanes: verdict.claimed,
              elapsedMs: verdict.elapsedMs,
              deadlineMs: verdict.deadlineMs,
              passed: verdict.passed,
            })),
          ),
        };
      });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
