import type { JobRequest, ProviderProfile } from './api.js';

let counter = 0;

/** A provider that takes a 1-core WASM job, with fields to override. */
export function testProfile(over: Partial<ProviderProfile> = {}): ProviderProfile {
  counter++;
  return {
    address: `0x${counter.toString(16).padStart(40, '0')}`,
    region: 'eu',
    runtimes: ['wasm'],
    models: [],
    cpuCores: 4,
    memoryMb: 8192,
    gpuCount: 0,
    gpuModel: '',
    vramMb: 0,
    prices: { cpuSecond: 10, gpuSecond: 0, gbSecond: 0, kiloTokens: 0 },
    minJobSeconds: 0,
    maxJobSeconds: 0,
    availableFrom: 0,
    availableUntil: 0,
    stake: 1e9,
    rttMs: 20,
    reputation: 0.5,
    ...over,
  };
}

export function testJob(over: Partial<JobRequest> = {}): JobRequest {
  counter++;
  return {
    id: `job-${counter}`,
    runtime: 'wasm',
    kind: 'module-a',
    model: '',
    tokens: 0,
    cpuCores: 1,
    memoryMb: 256,
    vramMb: 0,
    gpu: '',
    region: '',
    maxRttMs: 0,
    maxPrice: 10_000,
    maxSeconds: 60,
    minReputation: 0,
    ...over,
  };
}
