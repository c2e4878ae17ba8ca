import { Random } from '../../../sim/random.js';
import type { Address, IdentityObservation } from '../api.js';
import { challengeComputeMs, challengeDeadlineMs, gpuChallengePasses } from './challenge.js';
import { generatePopulation, type Population, type PopulationSettings } from './population.js';

const HOUR_MS = 3_600_000;
/** Simulated time starts here (ms since epoch), so observations look like the coordinator's. */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);
/** After joining, a lone challenge comes this often on average (hours). */
const LONE_CHALLENGE_HOURS = 6;

type Challenge = IdentityObservation['challenges'][number];

/**
 * A population observed hour by hour. Machine load, stalls, link congestion and proxies are
 * random processes that run on whatever the detector does; challenges draw from their own
 * stream, so the same seed gives the same world under any challenge policy.
 */
export class SybilWorld {
  readonly population: Population;
  readonly periodMs: number;
  /** When each identity first failed a lone hardware challenge (CPU or GPU). */
  readonly hardwareFailedAt = new Map<Address, number>();
  readonly #world: Random;
  readonly #challenge: Random;
  readonly #meanLoad: Float64Array;
  readonly #load: Float64Array;
  readonly #dcLoad: Float64Array;
  readonly #congestion: Float64Array;
  readonly #proxyCongestion: Float64Array;
  readonly #fakeLoad: Float64Array;
  readonly #challenges: Challenge[][];
  readonly #byAddress: Map<string, number>;
  #queued: Address[][] = [];

  constructor(settings: PopulationSettings) {
    this.population = generatePopulation(settings);
    this.periodMs = settings.heartbeatPeriodMs ?? 60_000;
    this.#world = new Random(settings.seed * 7919 + 1);
    this.#challenge = new Random(settings.seed * 7919 + 2);
    const { machines, identities } = this.population;
    this.#meanLoad = Float64Array.from(machines, () => this.#world.between(0.05, 0.7));
    this.#load = Float64Array.from(this.#meanLoad);
    this.#dcLoad = new Float64Array(this.population.dataCentres);
    this.#congestion = new Float64Array(this.population.uplinks);
    this.#proxyCongestion = new Float64Array(this.population.proxies);
    this.#fakeLoad = Float64Array.from(identities, () => this.#world.between(0.05, 0.7));
    this.#challenges = identities.map(() => []);
    this.#byAddress = new Map(identities.map((id, i) => [id.address, i]));
  }

  /** Identities to challenge at the same instant, some time in the next observed hour. */
  queueSimultaneousChallenges(groups: Address[][]): void {
    this.#queued.push(...groups);
  }

  /** What the coordinator saw in hour `hour` (its heartbeats, round trips, telemetry), with every challenge so far. */
  observeHour(hour: number): IdentityObservation[] {
    const { machines, identities } = this.population;
    const start = SIM_EPOCH_MS + hour * HOUR_MS;
    const minutes = Math.round(HOUR_MS / this.periodMs);
    const w = this.#world;
    const observations: IdentityObservation[] = identities.map((id) => ({
      address: id.address,
      hosts: [id.host],
      rttMs: [],
      heartbeatAt: [],
      telemetry: [],
      claim: id.claim,
      challenges: this.#challenges[this.#byAddress.get(id.address)!]!,
    }));
    const lateness = new Float64Array(machines.length);
    const freeMemory = new Float64Array(machines.length);
    const loads: Float64Array[] = [];
    for (let k = 0; k < minutes; k++) {
      for (let d = 0; d < this.#dcLoad.length; d++)
        this.#dcLoad[d] = 0.9 * this.#dcLoad[d]! + 0.1 * w.normal();
      machines.forEach((m, i) => {
        const shared = m.dataCentre >= 0 ? 0.3 * this.#dcLoad[m.dataCentre]! : 0;
        const next =
          this.#meanLoad[i]! +
          0.85 * (this.#load[i]! - this.#meanLoad[i]!) +
          0.08 * w.normal() +
          0.1 * shared;
        this.#load[i] = Math.min(1, Math.max(0.02, next + (w.next() < 0.02 ? 0.4 : 0)));
        // Timers fire late under load, and a stall (GC, swap) delays everything on the machine.
        const stall = w.next() < 0.03 ? w.between(100, 1_500) : 0;
        lateness[i] = 2 + 80 * this.#load[i]! ** 4 + stall + w.exponential(2);
        freeMemory[i] =
          m.memoryMb * Math.min(0.95, Math.max(0.05, 0.7 - 0.5 * this.#load[i]! + 0.03 * w.normal()));
      });
      loads.push(Float64Array.from(this.#load));
      for (let u = 0; u < this.#congestion.length; u++)
        this.#congestion[u] = 0.8 * this.#congestion[u]! + w.exponential(1.5) + (w.next() < 0.05 ? 30 : 0);
      for (let p = 0; p < this.#proxyCongestion.length; p++)
        this.#proxyCongestion[p] =
          0.8 * this.#proxyCongestion[p]! + w.exponential(2) + (w.next() < 0.05 ? 40 : 0);
      identities.forEach((id, i) => {
        const o = observations[i]!;
        const rtt = this.#rtt(i, w);
        const at =
          start +
          k * this.periodMs +
          id.phaseMs +
          lateness[id.machine]! +
          w.between(0, id.beatJitterMs) +
          rtt / 2;
        o.heartbeatAt.push(Math.round(at));
        o.rttMs.push(Math.round(rtt * 10) / 10);
        o.telemetry.push({
          at: Math.round(at),
          ...this.#report(i, this.#load[id.machine]!, freeMemory[id.machine]!, w),
        });
      });
    }
    this.#runChallenges(hour, start, loads);
    return observations;
  }

  #rtt(i: number, random: Random): number {
    const id = this.population.identities[i]!;
    const m = this.population.machines[id.machine]!;
    const proxy = id.proxy >= 0 ? id.proxyRttMs + this.#proxyCongestion[id.proxy]! : 0;
    return m.baseRttMs + this.#congestion[m.uplink]! + proxy + random.exponential(1);
  }

  /** Telemetry as the identity reports it: the machine's truth, the truth blurred, or an invention. */
  #report(i: number, load: number, freeMemory: number, random: Random) {
    const id = this.population.identities[i]!;
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    if (id.telemetry === 'fake') {
      this.#fakeLoad[i] = clamp(0.4 + 0.85 * (this.#fakeLoad[i]! - 0.4) + 0.08 * random.normal());
      const fake = this.#fakeLoad[i]!;
      return { cpuLoad: fake, freeMemoryMb: Math.round(id.claim.memoryMb * (0.7 - 0.5 * fake)) };
    }
    if (id.telemetry === 'noisy')
      return {
        cpuLoad: clamp(load + 0.1 * random.normal()),
        freeMemoryMb: Math.round(freeMemory * (1 + 0.05 * random.normal())),
      };
    return { cpuLoad: load, freeMemoryMb: Math.round(freeMemory) };
  }

  /** Lone challenges (at joining, then now and then) and the queued simultaneous ones, at random instants of the hour. */
  #runChallenges(hour: number, start: number, loads: Float64Array[]): void {
    const c = this.#challenge;
    const { identities } = this.population;
    const planned: { at: number; members: number[] }[] = [];
    identities.forEach((_, i) => {
      if (hour === 0 || c.next() < 1 / LONE_CHALLENGE_HOURS)
        planned.push({ at: start + c.between(0, HOUR_MS), members: [i] });
    });
    for (const group of this.#queued)
      planned.push({ at: start + c.between(0, HOUR_MS), members: group.map((a) => this.#byAddress.get(a)!) });
    this.#queued = [];
    for (const { at, members } of planned.sort((x, y) => x.at - y.at))
      this.#challengeAt(Math.round(at), members, start, loads);
  }

  #challengeAt(at: number, members: number[], start: number, loads: Float64Array[]): void {
    const { identities, machines } = this.population;
    const minute = Math.min(loads.length - 1, Math.floor((at - start) / this.periodMs));
    // Identities on one machine share its cores: their lanes add up, and they finish together.
    const lanesOn = new Map<number, number>();
    for (const i of members)
      lanesOn.set(
        identities[i]!.machine,
        (lanesOn.get(identities[i]!.machine) ?? 0) + identities[i]!.claim.cpuCores,
      );
    const noiseOn = new Map([...lanesOn.keys()].map((m) => [m, this.#challenge.lognormal(0.05)]));
    const group = members.length > 1 ? members.map((i) => identities[i]!.address) : [];
    for (const i of members) {
      const id = identities[i]!;
      const m = machines[id.machine]!;
      const compute = challengeComputeMs(
        m,
        lanesOn.get(id.machine)!,
        loads[minute]![id.machine]!,
        noiseOn.get(id.machine)!,
      );
      const elapsedMs = Math.round(compute * this.#challenge.lognormal(0.01) + this.#rtt(i, this.#challenge));
      const deadlineMs = Math.round(challengeDeadlineMs(m.baseRttMs + id.proxyRttMs + 5));
      const passed = elapsedMs <= deadlineMs;
      this.#challenges[i]!.push({ at, group, lanes: id.claim.cpuCores, elapsedMs, deadlineMs, passed });
      if (group.length > 0 || this.hardwareFailedAt.has(id.address)) continue;
      // A lone challenge checks the GPU claim beside the CPU one (only the CPU one is in the record).
      const gpuPassed =
        id.claim.gpuCount === 0 || gpuChallengePasses(id.claim.gpuCount, m.gpus, this.#challenge);
      if (!passed || !gpuPassed) this.hardwareFailedAt.set(id.address, at);
    }
  }
}
