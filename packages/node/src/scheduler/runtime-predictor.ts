import type { JobRequest, ProviderProfile } from './api.js';

/** What a prediction is made of, in log-seconds: the parts add up. */
export interface RuntimeEstimate {
  seconds: number;
  /** The job kind's typical log-duration (or its runtime's, or the prior, until seen). */
  base: number;
  /** How much slower (+) or faster (-) this hardware class runs, log scale. */
  hardware: number;
  /** This provider's own deviation from its class, log scale. */
  provider: number;
  /** Observations behind `base`: 0 means the prior. */
  samples: number;
}

interface Mean {
  value: number;
  n: number;
}

const PRIOR_LOG_SECONDS = Math.log(10);

/**
 * Online log-linear model of run time: log(seconds) = kind + hardware class + provider, each
 * term learned by stochastic gradient steps from finished runs. Small and explainable: an
 * estimate reads "kind 30 s, class x1.4, this provider x0.9". The kind term learns fastest
 * (a running mean at first), the provider term slowest, so a few slow runs on one machine
 * do not rewrite what is known of its class.
 */
export class RuntimePredictor {
  readonly #kinds = new Map<string, Mean>();
  readonly #runtimes = new Map<string, Mean>();
  readonly #classes = new Map<string, number>();
  readonly #providers = new Map<string, number>();
  /** Keys built once per profile: predictions run for every candidate of every placement. */
  readonly #keys = new WeakMap<ProviderProfile, { cpu: Keys; gpu: Keys }>();

  constructor(private readonly rates = { kindFloor: 0.05, hardware: 0.05, provider: 0.1 }) {}

  estimate(job: Pick<JobRequest, 'kind' | 'runtime' | 'gpu'>, provider: ProviderProfile): RuntimeEstimate {
    const kind = this.#kinds.get(job.kind) ?? this.#runtimes.get(job.runtime);
    const base = kind?.value ?? PRIOR_LOG_SECONDS;
    const keys = this.#keysOf(job, provider);
    const hardware = this.#classes.get(keys.hardware) ?? 0;
    const own = this.#providers.get(keys.provider) ?? 0;
    return {
      seconds: Math.exp(base + hardware + own),
      base,
      hardware,
      provider: own,
      samples: kind?.n ?? 0,
    };
  }

  /** Just the seconds (no breakdown, nothing allocated: this runs for every candidate of every placement). */
  seconds(job: Pick<JobRequest, 'kind' | 'runtime' | 'gpu'>, provider: ProviderProfile): number {
    const kind = this.#kinds.get(job.kind) ?? this.#runtimes.get(job.runtime);
    const keys = this.#keysOf(job, provider);
    return Math.exp(
      (kind?.value ?? PRIOR_LOG_SECONDS) +
        (this.#classes.get(keys.hardware) ?? 0) +
        (this.#providers.get(keys.provider) ?? 0),
    );
  }

  /** Whether the job's kind (or at least its runtime) has been seen: before, a prediction is the prior. */
  knows(job: Pick<JobRequest, 'kind' | 'runtime'>): boolean {
    return this.#kinds.has(job.kind) || this.#runtimes.has(job.runtime);
  }

  observe(
    job: Pick<JobRequest, 'kind' | 'runtime' | 'gpu'>,
    provider: ProviderProfile,
    seconds: number,
  ): void {
    if (!(seconds > 0)) return;
    const actual = Math.log(seconds);
    const before = this.estimate(job, provider);
    const error = actual - (before.base + before.hardware + before.provider);
    const kind = this.#kinds.get(job.kind) ?? { value: before.base, n: 0 };
    kind.n++;
    kind.value += Math.max(this.rates.kindFloor, 1 / kind.n) * error;
    this.#kinds.set(job.kind, kind);
    const runtime = this.#runtimes.get(job.runtime) ?? { value: kind.value, n: 0 };
    runtime.n++;
    runtime.value +=
      Math.max(this.rates.kindFloor, 1 / runtime.n) * (actual - before.hardware - runtime.value);
    this.#runtimes.set(job.runtime, runtime);
    // Only what the kind term did not absorb is left for the hardware terms.
    const rest = actual - (kind.value + before.hardware + before.provider);
    const keys = this.#keysOf(job, provider);
    this.#classes.set(keys.hardware, before.hardware + this.rates.hardware * rest);
    this.#providers.set(keys.provider, before.provider + this.rates.provider * rest);
  }

  #keysOf(job: Pick<JobRequest, 'gpu'>, provider: ProviderProfile): Keys {
    let keys = this.#keys.get(provider);
    if (!keys) {
      keys = {
        cpu: { hardware: hardwareClass({ gpu: '' }, provider), provider: provider.address },
        gpu: { hardware: hardwareClass({ gpu: 'any' }, provider), provider: `${provider.address}/gpu` },
      };
      this.#keys.set(provider, keys);
    }
    return job.gpu === '' ? keys.cpu : keys.gpu;
  }
}

/** GPU jobs run as fast as the GPU model; CPU jobs as fast as (roughly) the machine's size. */
export function hardwareClass(job: Pick<JobRequest, 'gpu'>, provider: ProviderProfile): string {
  if (job.gpu !== '') return `gpu:${provider.gpuModel}`;
  const cores = provider.cpuCores;
  return `cpu:${cores <= 4 ? 'small' : cores <= 12 ? 'medium' : 'large'}`;
}

interface Keys {
  hardware: string;
  provider: string;
}
