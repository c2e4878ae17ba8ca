import { Random } from '../../../sim/random.js';
import type { Address } from '../api.js';

export type ProviderKind = 'honest' | 'fake' | 'sybil';

/** One physical machine: what it really has, and where it sits on the network. */
export interface SimMachine {
  cores: number;
  /** Core speed against the challenge's reference core (0.5..2). */
  speed: number;
  memoryMb: number;
  gpus: number;
  baseRttMs: number;
  /** The network link it shares (a home NAT, a data centre): congestion on it moves all their round trips. */
  uplink: number;
  /** Its data centre (-1 for none): machines there share part of their load (the same batch jobs). */
  dataCentre: number;
}

/** One provider identity, as its operator set it up. */
export interface SimIdentity {
  address: Address;
  kind: ProviderKind;
  machine: number;
  /** The sybil operator (-1 for none): identities of one operator share one machine. */
  operator: number;
  host: string;
  /** A proxy in front of it (-1 for none): extra round trip and congestion of its own. */
  proxy: number;
  proxyRttMs: number;
  claim: { cpuCores: number; memoryMb: number; gpuCount: number };
  phaseMs: number;
  /** Random delay it adds to each heartbeat to hide a common timer (sybils that try to desynchronise). */
  beatJitterMs: number;
  telemetry: 'true' | 'noisy' | 'fake';
}

export interface PopulationSettings {
  providers: number;
  fakeFraction?: number;
  sybilFraction?: number;
  seed: number;
  heartbeatPeriodMs?: number;
  /** Sybil operators of exactly these sizes (instead of drawing them to fill sybilFraction). */
  operatorSizes?: number[];
}

export interface Population {
  machines: SimMachine[];
  identities: SimIdentity[];
  uplinks: number;
  proxies: number;
  dataCentres: number;
}

const CORES = [2, 4, 8, 8, 16, 16, 32, 64] as const;

/**
 * Honest providers on their own machines (home connections, NATs shared by 2-5 machines, data
 * centres where a hundred machines share a /24 and often one NAT address), fake-hardware
 * providers that claim what they lack, and sybil operators running 2-20 identities on one machine.
 */
export function generatePopulation(settings: PopulationSettings): Population {
  const random = new Random(settings.seed);
  const period = settings.heartbeatPeriodMs ?? 60_000;
  const machines: SimMachine[] = [];
  const identities: SimIdentity[] = [];
  let uplinks = 0;
  let proxies = 0;
  const octet = () => random.int(1, 254);
  const randomSubnet = () => `${random.int(11, 223)}.${octet()}.${octet()}`;
  const addressOf = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address;

  const dcCount = Math.max(1, Math.round((settings.providers * 0.25) / 100));
  const dataCentres = Array.from({ length: dcCount }, () => ({
    subnet: randomSubnet(),
    natHost: '',
    uplink: uplinks++,
    rttMs: random.between(8, 120),
    instanceTypes: Array.from({ length: random.int(1, 3) }, () => CORES[random.int(2, CORES.length - 1)]!),
  }));
  for (const dc of dataCentres) dc.natHost = `${dc.subnet}.${octet()}`;
  let homeNat: { host: string; uplink: number; rttMs: number; left: number } | null = null;

  /** A machine and its host address: a home (alone or behind a shared NAT) or a data centre. */
  const placeMachine = (cores: number, forceHome = false): { machine: number; host: string } => {
    const speed = Math.min(2, Math.max(0.5, random.lognormal(0.3)));
    const gpus = random.next() < 0.2 ? random.int(1, 8) : 0;
    const memoryMb =
      cores *
      1024 *
      random.pick([
        [2, 1],
        [4, 2],
        [8, 1],
      ] as const);
    if (!forceHome && random.next() < 0.25) {
      const dcIndex = random.int(0, dataCentres.length - 1);
      const dc = dataCentres[dcIndex]!;
      const dcCores = dc.instanceTypes[random.int(0, dc.instanceTypes.length - 1)]!;
      machines.push({
        cores: dcCores,
        speed,
        memoryMb: dcCores * 4096,
        gpus,
        baseRttMs: dc.rttMs,
        uplink: dc.uplink,
        dataCentre: dcIndex,
      });
      return {
        machine: machines.length - 1,
        host: random.next() < 0.3 ? dc.natHost : `${dc.subnet}.${octet()}`,
      };
    }
    if (!homeNat && random.next() < 0.15)
      homeNat = {
        host: `${randomSubnet()}.${octet()}`,
        uplink: uplinks++,
        rttMs: random.between(10, 250),
        left: random.int(2, 5),
      };
    if (homeNat) {
      const nat: { host: string; uplink: number; rttMs: number; left: number } = homeNat;
      machines.push({
        cores,
        speed,
        memoryMb,
        gpus,
        baseRttMs: nat.rttMs,
        uplink: nat.uplink,
        dataCentre: -1,
      });
      if (--nat.left === 0) homeNat = null;
      return { machine: machines.length - 1, host: nat.host };
    }
    machines.push({
      cores,
      speed,
      memoryMb,
      gpus,
      baseRttMs: random.between(10, 250),
      uplink: uplinks++,
      dataCentre: -1,
    });
    return { machine: machines.length - 1, host: `${randomSubnet()}.${octet()}` };
  };

  const identity = (kind: ProviderKind, machine: number, host: string, operator = -1): SimIdentity => {
    const m = machines[machine]!;
    return {
      address: addressOf(identities.length + 1),
      kind,
      machine,
      operator,
      host,
      proxy: -1,
      proxyRttMs: 0,
      claim: { cpuCores: m.cores, memoryMb: m.memoryMb, gpuCount: m.gpus },
      phaseMs: random.between(0, period),
      beatJitterMs: 0,
      telemetry: 'true',
    };
  };

  const fakeTarget = Math.round(settings.providers * (settings.fakeFraction ?? 0.05));
  for (const [operator, n] of operatorSizes(settings, random).entries()) {
    const { machine, host } = placeMachine(
      random.pick([
        [16, 1],
        [32, 2],
        [64, 2],
        [128, 1],
      ] as const),
      random.next() < 0.5,
    );
    const m = machines[machine]!;
    const addressing = random.pick([
      ['shared', 0.4],
      ['proxies', 0.35],
      ['some', 0.25],
    ] as const);
    const proxyCount =
      addressing === 'proxies' ? n : addressing === 'some' ? random.int(2, Math.min(4, n)) : 0;
    const operatorProxies = Array.from({ length: proxyCount }, () => ({
      id: proxies++,
      host: `${randomSubnet()}.${octet()}`,
      rttMs: random.between(5, 80),
    }));
    const desync = random.next() < 0.6;
    const commonPhase = random.between(0, period);
    const telemetry = random.pick([
      ['true', 0.5],
      ['noisy', 0.25],
      ['fake', 0.25],
    ] as const);
    // Each identity claims the whole machine, a share of it, twice it, or a varied size to look unrelated.
    const claims = random.pick([
      ['full', 0.45],
      ['split', 0.2],
      ['inflated', 0.1],
      ['varied', 0.25],
    ] as const);
    for (let k = 0; k < n; k++) {
      const proxy = operatorProxies.length ? operatorProxies[k % operatorProxies.length]! : null;
      const id = identity('sybil', machine, proxy?.host ?? host, operator);
      id.proxy = proxy?.id ?? -1;
      id.proxyRttMs = proxy?.rttMs ?? 0;
      id.phaseMs = desync ? random.between(0, period) : (commonPhase + random.between(0, 20)) % period;
      id.beatJitterMs = desync ? random.between(0, 3_000) : 0;
      id.telemetry = telemetry;
      const share = { full: 1, split: 1 / n, inflated: 2, varied: 2 ** random.int(-3, 0) }[claims];
      const cores = Math.max(1, Math.ceil(m.cores * share));
      id.claim = {
        cpuCores: cores,
        memoryMb: Math.ceil(m.memoryMb * share),
        gpuCount: claims === 'varied' ? random.int(0, m.gpus) : m.gpus,
      };
      identities.push(id);
    }
  }
  for (let k = 0; k < fakeTarget; k++) {
    const { machine, host } = placeMachine(CORES[random.int(0, 4)]!);
    const id = identity('fake', machine, host);
    if (random.next() < 0.6) id.claim.cpuCores *= random.int(2, 8);
    else id.claim.gpuCount = Math.max(id.claim.gpuCount, 0) + random.int(1, 8);
    identities.push(id);
  }
  while (identities.length < settings.providers) {
    const { machine, host } = placeMachine(CORES[random.int(0, CORES.length - 1)]!);
    identities.push(identity('honest', machine, host));
  }
  return { machines, identities, uplinks, proxies, dataCentres: dataCentres.length };
}

/** Sizes of the sybil operations: as given, or drawn (small ones commoner: N weighted by 1/N over 2..20) to fill the sybil share. */
function operatorSizes(settings: PopulationSettings, random: Random): number[] {
  if (settings.operatorSizes) return settings.operatorSizes;
  const sizes: number[] = [];
  for (let left = Math.round(settings.providers * (settings.sybilFraction ?? 0.05)); left >= 2; ) {
    const n = random.pick(Array.from({ length: 19 }, (_, i) => [i + 2, 1 / (i + 2)] as const));
    sizes.push(left - n < 2 ? left : n);
    left -= sizes[sizes.length - 1]!;
  }
  return sizes;
}
