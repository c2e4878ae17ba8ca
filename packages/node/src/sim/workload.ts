import type { JobRequest } from '../scheduler/api.js';
import type { Random } from './random.js';
import { BASE_CPU_PRICE, REGIONS } from './world.js';

/**
 * Job kinds, by share of jobs: short WASM tasks, CPU batch work, ONNX inference, LLM chat on
 * a GPU, and long GPU training. `seconds` is the typical run on a desktop (CPU kinds) or an
 * RTX 3060 (GPU kinds); each kind has `modules` distinct programs with their own typical time.
 */
const KINDS = [
  {
    name: 'wasm-task',
    share: 40,
    runtime: 'wasm',
    seconds: 20,
    cores: [1, 1],
    memoryMb: 256,
    gpu: false,
    vramMb: 0,
    modules: 80,
  },
  {
    name: 'cpu-batch',
    share: 20,
    runtime: 'wasm',
    seconds: 900,
    cores: [2, 4],
    memoryMb: 2_048,
    gpu: false,
    vramMb: 0,
    modules: 40,
  },
  {
    name: 'onnx-infer',
    share: 20,
    runtime: 'onnx',
    seconds: 60,
    cores: [2, 2],
    memoryMb: 4_096,
    gpu: false,
    vramMb: 0,
    modules: 40,
  },
  {
    name: 'llm-chat',
    share: 12,
    runtime: 'llm',
    seconds: 90,
    cores: [2, 4],
    memoryMb: 8_192,
    gpu: true,
    vramMb: 8_192,
    modules: 20,
  },
  {
    name: 'train',
    share: 8,
    runtime: 'train',
    seconds: 3_600,
    cores: [4, 8],
    memoryMb: 16_384,
    gpu: true,
    vramMb: 10_240,
    modules: 20,
  },
] as const;

export interface SimJob {
  request: JobRequest;
  kindName: string;
  submittedAt: number;
  deadline: number;
  /** Run time on speed-1 hardware; the provider's speed divides it. */
  work: number;
  gpu: boolean;
}

export function generateJobs(count: number, spanMs: number, random: Random): SimJob[] {
  const modules = new Map<string, number>();
  const jobs: SimJob[] = [];
  for (let i = 0; i < count; i++) {
    const kind = random.pick(KINDS.map((k) => [k, k.share] as const));
    const module = `${kind.name}-${random.int(0, kind.modules - 1)}`;
    let typical = modules.get(module);
    if (typical === undefined) {
      typical = kind.seconds * random.lognormal(0.5);
      modules.set(module, typical);
    }
    const work = typical * random.lognormal(0.2);
    const submittedAt = random.next() * spanMs;
    const cores = random.int(kind.cores[0], kind.cores[1]);
    // Budgets are generous (4x a desktop's price for 3x the typical time); deadlines allow retries.
    const perSecond = BASE_CPU_PRICE * cores + (kind.gpu ? 8 * BASE_CPU_PRICE : 0);
    const maxSeconds = Math.ceil(typical * 6);
    jobs.push({
      request: {
        id: `job-${i}`,
        runtime: kind.runtime,
        kind: module,
        model: '',
        tokens: 0,
        cpuCores: cores,
        memoryMb: kind.memoryMb,
        vramMb: kind.vramMb,
        gpu: kind.gpu ? 'any' : '',
        region: '',
        maxRttMs: 0,
        maxPrice: 4 * perSecond * typical * 3,
        maxSeconds,
        minReputation: 0,
        clientRegion: random.pick(REGIONS.map((r) => [r.name, r.weight] as const)),
      },
      kindName: kind.name,
      submittedAt,
      deadline: submittedAt + 1000 * Math.max(1_800, 10 * typical),
      work,
      gpu: kind.gpu,
    });
  }
  return jobs.sort((a, b) => a.submittedAt - b.submittedAt);
}
