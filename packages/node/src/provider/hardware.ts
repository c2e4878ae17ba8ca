import { execFile } from 'node:child_process';
import { mkdir, statfs } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';

export interface GpuInfo {
  name: string;
  vramMb: number;
}

/** What a provider offers: what it has, or what a localnet tells it to pretend it has. */
export interface Hardware {
  cpuCores: number;
  memoryMb: number;
  /** Free space of the data directory's file system. */
  diskFreeMb: number;
  gpus: GpuInfo[];
}

export type HardwareOverrides = Partial<Hardware>;

export interface DetectOptions {
  /** Directory whose file system's free space is reported. */
  dataDir: string;
  overrides?: HardwareOverrides;
  /** Runs nvidia-smi; injected in tests. Resolves undefined when the binary is missing or fails. */
  nvidiaSmi?: () => Promise<string | undefined>;
}

/** Detects cores, RAM, free disk and NVIDIA GPUs; each override replaces one detected value. */
export async function detectHardware(options: DetectOptions): Promise<Hardware> {
  const overrides = options.overrides ?? {};
  const gpus = overrides.gpus ?? parseNvidiaSmi((await (options.nvidiaSmi ?? runNvidiaSmi)()) ?? '');
  return {
    cpuCores: overrides.cpuCores ?? availableParallelism(),
    memoryMb: overrides.memoryMb ?? Math.floor(totalmem() / 2 ** 20),
    diskFreeMb: overrides.diskFreeMb ?? (await freeDiskMb(options.dataDir)),
    gpus,
  };
}

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` (one GPU a line). */
export function parseNvidiaSmi(output: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of output.split(/\r?\n/)) {
    // The name may itself contain commas; the memory is the last field.
    const comma = line.lastIndexOf(',');
    if (comma < 0) continue;
    const name = line.slice(0, comma).trim();
    const vramMb = Number(line.slice(comma + 1).trim());
    if (name && Number.isInteger(vramMb) && vramMb > 0) gpus.push({ name, vramMb });
  }
  return gpus;
}

/** The offer's GPU fields: the count, the first model's name and the smallest VRAM (what any job gets). */
export function gpuSummary(gpus: readonly GpuInfo[]): { gpuCount: number; gpuModel: string; vramMb: number } {
  if (gpus.length === 0) return { gpuCount: 0, gpuModel: '', vramMb: 0 };
  return {
    gpuCount: gpus.length,
    gpuModel: gpus[0]!.name,
    vramMb: Math.min(...gpus.map((gpu) => gpu.vramMb)),
  };
}

async function freeDiskMb(dir: string): Promise<number> {
  try {
    await mkdir(dir, { recursive: true });
    const stats = await statfs(dir);
    return Math.floor((stats.bavail * stats.bsize) / 2 ** 20);
  } catch {
    return 0;
  }
}

function runNvidiaSmi(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
      { timeout: 5_000 },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}
