import type { ProviderProfile } from '../scheduler/api.js';
import type { Random } from './random.js';

/** Regions with their UTC offset (hours) and continent, for time of day and latency. */
export const REGIONS = [
  { name: 'us-west', utc: -8, continent: 'america', weight: 12 },
  { name: 'us-east', utc: -5, continent: 'america', weight: 18 },
  { name: 'sa-east', utc: -3, continent: 'america', weight: 8 },
  { name: 'eu-west', utc: 0, continent: 'europe', weight: 20 },
  { name: 'eu-east', utc: 2, continent: 'europe', weight: 12 },
  { name: 'ap-south', utc: 5.5, continent: 'asia', weight: 14 },
  { name: 'ap-east', utc: 8, continent: 'asia', weight: 16 },
] as const;

export type RegionName = (typeof REGIONS)[number]['name'];

const REGION_BY_NAME = new Map<string, (typeof REGIONS)[number]>(REGIONS.map((r) => [r.name, r]));

/** One-way latency between regions, ms: same region 8, same continent 35, else 90 to 160. */
export function latencyMs(from: string, to: string): number {
  if (from === to) return 8;
  const a = REGION_BY_NAME.get(from)!;
  const b = REGION_BY_NAME.get(to)!;
  if (a.continent === b.continent) return 35;
  return 90 + 10 * Math.abs(a.utc - b.utc);
}

export function localHour(region: string, utcMs: number): number {
  const hours = utcMs / 3_600_000 + REGION_BY_NAME.get(region)!.utc;
  return ((hours % 24) + 24) % 24;
}

/**
 * Machine classes. Consumer machines are cheap per second, slower, and drop out more (their
 * owners use them, close lids, reboot); data-centre machines are fast, dear and steady.
 * `hazardPerHour` is the base rate of vanishing without notice; `window` is the share that
 * offers itself only at local night (idle hours) rather than around the clock.
 */
const CLASSES = [
  {
    name: 'laptop',
    weight: 30,
    cores: [2, 4],
    memoryGb: [8, 16],
    cpuSpeed: 0.6,
    gpu: undefined,
    price: 0.55,
    hazardPerHour: 1 / 10,
    consumer: true,
    window: 0.6,
  },
  {
    name: 'desktop',
    weight: 33,
    cores: [6, 12],
    memoryGb: [16, 32],
    cpuSpeed: 1.0,
    gpu: undefined,
    price: 1.0,
    hazardPerHour: 1 / 40,
    consumer: true,
    window: 0.4,
  },
  {
    name: 'gaming-rig',
    weight: 15,
    cores: [8, 16],
    memoryGb: [32, 64],
    cpuSpeed: 1.2,
    gpu: 'consumer',
    price: 1.15,
    hazardPerHour: 1 / 30,
    consumer: true,
    window: 0.5,
  },
  {
    name: 'server',
    weight: 17,
    cores: [16, 48],
    memoryGb: [64, 256],
    cpuSpeed: 1.4,
    gpu: undefined,
    price: 1.5,
    hazardPerHour: 1 / 800,
    consumer: false,
    window: 0,
  },
  {
    name: 'gpu-node',
    weight: 5,
    cores: [32, 64],
    memoryGb: [256, 512],
    cpuSpeed: 1.5,
    gpu: 'datacentre',
    price: 1.6,
    hazardPerHour: 1 / 1500,
    consumer: false,
    window: 0,
  },
] as const;

const GPUS = {
  consumer: [
    { model: 'nvidia geforce rtx 3060', vramMb: 12_288, speed: 1, price: 1, weight: 5 },
    { model: 'nvidia geforce rtx 4090', vramMb: 24_576, speed: 2.4, price: 2.2, weight: 3 },
  ],
  datacentre: [
    { model: 'nvidia a100 80gb pcie', vramMb: 81_920, speed: 3.5, price: 3.8, weight: 2 },
    { model: 'nvidia h100 80gb hbm3', vramMb: 81_920, speed: 5, price: 5.5, weight: 1 },
  ],
} as const;

/** A simulated provider: its public profile plus what only the simulation knows. */
export interface SimProvider {
  profile: ProviderProfile;
  className: string;
  consumer: boolean;
  /** How fast it runs CPU and GPU work, relative to a typical desktop / RTX 3060. */
  cpuSpeed: number;
  gpuSpeed: number;
  /** Base rate of vanishing, per second, before telemetry. */
  hazard: number;
  /** Offers itself only from 19:00 to 08:00 local time. */
  nightOnly: boolean;
  /** Each owner uses the machine in the day at their own intensity. */
  ownerActivity: number;
}

/** Base price of one CPU-second on a typical desktop, in token base units. */
export const BASE_CPU_PRICE = 1_000;

export function generateProviders(count: number, random: Random): SimProvider[] {
  const providers: SimProvider[] = [];
  for (let i = 0; i < count; i++) {
    const cls = random.pick(CLASSES.map((c) => [c, c.weight] as const));
    const region = random.pick(REGIONS.map((r) => [r.name, r.weight] as const));
    const cores = random.int(cls.cores[0], cls.cores[1]);
    const memoryMb = 1024 * random.int(cls.memoryGb[0], cls.memoryGb[1]);
    const gpuKind = cls.gpu ? random.pick(GPUS[cls.gpu].map((g) => [g, g.weight] as const)) : undefined;
    const gpuCount = !gpuKind
      ? 0
      : cls.gpu === 'datacentre'
        ? random.pick([
            [4, 1],
            [8, 1],
          ] as const)
        : 1;
    const cpuSpeed = cls.cpuSpeed * random.lognormal(0.15);
    // Prices follow speed loosely: owners price by what they have, not by what it delivers.
    const cpuPrice = BASE_CPU_PRICE * cls.price * random.lognormal(0.25);
    const gpuPrice = gpuKind ? 8 * BASE_CPU_PRICE * gpuKind.price * random.lognormal(0.25) : 0;
    providers.push({
      profile: {
        address: `sim-${i}`,
        region,
        runtimes: gpuKind
          ? ['wasm', 'onnx', 'llm', 'train']
          : random.next() < 0.7
            ? ['wasm', 'onnx']
            : ['wasm'],
        models: [],
        cpuCores: cores,
        memoryMb,
        gpuCount,
        gpuModel: gpuKind?.model ?? '',
        vramMb: gpuKind?.vramMb ?? 0,
        prices: { cpuSecond: cpuPrice, gpuSecond: gpuPrice, gbSecond: 0, kiloTokens: 0 },
        minJobSeconds: 0,
        maxJobSeconds: 0,
        availableFrom: 0,
        availableUntil: 0,
        stake: Number.POSITIVE_INFINITY,
        rttMs: undefined,
        reputation: 0.5,
      },
      className: cls.name,
      consumer: cls.consumer,
      cpuSpeed,
      gpuSpeed: (gpuKind?.speed ?? 0) * random.lognormal(0.1),
      // Some machines are much flakier than their class: a bad connection, a failing disk.
      hazard: (cls.hazardPerHour / 3600) * random.lognormal(0.9),
      nightOnly: random.next() < cls.window,
      ownerActivity: cls.consumer ? random.between(0.2, 1) : 0,
    });
  }
  return providers;
}

/** What a provider's heartbeat shows: its owner's load follows the local day. */
export function telemetryOf(provider: SimProvider, utcMs: number, jobMemoryMb: number, random: Random) {
  const hour = localHour(provider.profile.region, utcMs);
  const daytime = hour >= 8 && hour < 19 ? 1 : hour >= 19 && hour < 23 ? 0.5 : 0.1;
  const ownerLoad = Math.min(1, Math.max(0, provider.ownerActivity * daytime + 0.1 * random.normal()));
  const memoryUsed = Math.min(1, 0.15 + 0.5 * ownerLoad + jobMemoryMb / provider.profile.memoryMb);
  return { cpuLoad: ownerLoad, memoryFree: 1 - memoryUsed, localHour: hour };
}

/**
 * The true rate at which the provider vanishes now (per second): its base rate, raised by
 * owner load and memory pressure (an owner who needs the machine closes our jobs; a machine
 * out of memory falls over).
 */
export function trueHazard(
  provider: SimProvider,
  telemetry: { cpuLoad: number; memoryFree: number },
): number {
  const pressure = 1 - telemetry.memoryFree;
  return provider.hazard * (1 + 4 * telemetry.cpuLoad ** 2) * (1 + 3 * Math.max(0, pressure - 0.5));
}
