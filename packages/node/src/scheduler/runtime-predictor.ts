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

  constructor(private readonly rates = { kindFloor: 0.05, hardware: 0.05, provider: 0.1 }) {}

  estimate(job: Pick<JobRequest, 'kind' | 'runtime' | 'gpu'>, provider: ProviderProfile): RuntimeEstimate {
    const kind = this.#kinds.get(job.kind) ?? this.#runtimes.get(job.runtime);
    const base = kind?.value ?? PRIOR_LOG_SECONDS;
    const hardware = this.#classes.get(hardwareClass(job, provider)) ?? 0;
    const own = this.#providers.get(providerKey(job, provider)) ?? 0;
    return {
      seconds: Math.exp(base + hardware + own),
      base,
      hardware,
      provider: own,
      samples: kind?.n ?? 0,
    };
  }

  /** The speed multiplier of this provider for this kind of work (1 = typical), for ranking. */
  slowness(job: Pick<JobRequest, 'gpu'>, provider: ProviderProfile): number {
    const hardware = this.#classes.get(hardwareClass(job, provider)) ?? 0;
    return Math.exp(hardware + (this.#providers.get(providerKey(job, provider)) ?? 0));
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
    const cls = hardwareClass(job, provider);
    this.#classes.set(cls, before.hardware + this.rates.hardware * rest);
    this.#providers.set(providerKey(job, provider), before.provider + this.rates.provider * rest);
  }
}

/** GPU jobs run as fast as the GPU model; CPU jobs as fast as (roughly) the machine's size. */
export function hardwareClass(job: Pick<JobRequest, 'gpu'>, provider: ProviderProfile): string {
  if (job.gpu !== '') return `gpu:${provider.gpuModel}`;
  const cores = provider.cpuCores;
  return `cpu:${cores <= 4 ? 'small' : cores <= 12 ? 'medium' : 'large'}`;
}

function providerKey(job: Pick<JobRequest, 'gpu'>, provider: ProviderProfile): string {
  return job.gpu === '' ? provider.address : `${provider.address}/gpu`;
}
