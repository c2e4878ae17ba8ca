import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectHardware, gpuSummary, parseNvidiaSmi } from './hardware.js';

const SAMPLE = 'NVIDIA GeForce RTX 4090, 24564\nNVIDIA A100-SXM4-80GB, 81920\n\n';

describe('hardware detection', () => {
  it('parses nvidia-smi csv output, one GPU a line', () => {
    expect(parseNvidiaSmi(SAMPLE)).toEqual([
      { name: 'NVIDIA GeForce RTX 4090', vramMb: 24564 },
      { name: 'NVIDIA A100-SXM4-80GB', vramMb: 81920 },
    ]);
    expect(parseNvidiaSmi('Tesla T4, 15360\r\n')).toEqual([{ name: 'Tesla T4', vramMb: 15360 }]);
    expect(parseNvidiaSmi('')).toEqual([]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmi('Weird, GPU, [N/A]\n')).toEqual([]);
  });

  it('summarizes GPUs for an offer', () => {
    expect(gpuSummary(parseNvidiaSmi(SAMPLE))).toEqual({
      gpuCount: 2,
      gpuModel: 'NVIDIA GeForce RTX 4090',
      vramMb: 24564,
    });
    expect(gpuSummary([])).toEqual({ gpuCount: 0, gpuModel: '', vramMb: 0 });
  });

  it('detects this machine, treats a missing nvidia-smi as no GPU, and applies overrides', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-hw-'));
    try {
      const detected = await detectHardware({ dataDir, nvidiaSmi: async () => undefined });
      expect(detected.cpuCores).toBeGreaterThan(0);
      expect(detected.memoryMb).toBeGreaterThan(0);
      expect(detected.diskFreeMb).toBeGreaterThan(0);
      expect(detected.gpus).toEqual([]);
      const withGpu = await detectHardware({ dataDir, nvidiaSmi: async () => SAMPLE });
      expect(withGpu.gpus).toHaveLength(2);
      const overridden = await detectHardware({
        dataDir,
        nvidiaSmi: async () => SAMPLE,
        overrides: { cpuCores: 3, memoryMb: 2048, gpus: [] },
      });
      expect(overridden).toMatchObject({ cpuCores: 3, memoryMb: 2048, gpus: [] });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
