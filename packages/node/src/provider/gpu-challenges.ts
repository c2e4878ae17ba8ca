import { availableParallelism } from 'node:os';
import { gpuChallengeFor } from '../integrity/hardware/gpu-challenge.js';
import { GpuChallengeRunner } from '../integrity/hardware/gpu-runner.js';
import type { Adversary } from './adversary.js';
import type { Hardware } from './hardware.js';

/**
 * The runner of GPU challenges for a provider that claims GPUs (none otherwise), warmed at once
 * so that CUDA is up before the first challenge: each claimed card answers on its own CUDA device.
 * The `fake-gpu` adversary has no card and answers on its CPU with every core, as fast as a
 * CPU can. `onUnavailable` hears why the cards cannot answer (no CUDA provider for onnxruntime,
 * no driver): every challenge will then fail, and the claim with it.
 */
export function gpuChallengeRunnerFor(
  hardware: Hardware,
  adversary: Adversary | undefined,
  onUnavailable: (error: string) => void,
): GpuChallengeRunner | undefined {
  if (hardware.gpus.length === 0) return undefined;
  const fake = adversary?.kind === 'fake-gpu';
  const runner = new GpuChallengeRunner(
    fake ? { device: 'cpu', threads: availableParallelism() } : { device: 'cuda' },
  );
  const claim = { count: hardware.gpus.length, model: hardware.gpus[0]!.name };
  runner
    .warm(claim.count, gpuChallengeFor(claim).products)
    .catch((error: unknown) => onUnavailable(error instanceof Error ? error.message : String(error)));
  return runner;
}
