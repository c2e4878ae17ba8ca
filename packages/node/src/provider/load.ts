import { freemem, loadavg } from 'node:os';

/** A reading of the machine's load: what heartbeats report and the idle policy decides on. */
export interface LoadSample {
  /** One-minute load average. */
  load1: number;
  memoryFreeMb: number;
}

export function sampleLoad(): LoadSample {
  return { load1: loadavg()[0] ?? 0, memoryFreeMb: Math.floor(freemem() / 2 ** 20) };
}

/** Load per core in permille, as heartbeats carry it (capped to what a uint32 holds sensibly). */
export function loadPermille(load1: number, cores: number): number {
  return Math.min(100_000, Math.round((load1 / Math.max(1, cores)) * 1000));
}
