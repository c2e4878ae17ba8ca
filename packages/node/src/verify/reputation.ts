/**
 * A provider's reputation: an exponentially weighted record of its outcomes, so that recent
 * behaviour counts most and an old mistake fades. Verified results weigh in fully, plain
 * completions (nobody checked) a little, timeouts against it, and a lost dispute heavily.
 * New providers start at the prior and stay on probation, sampled more, for their first jobs.
 */
export type Outcome = 'verified' | 'completed' | 'timeout' | 'failed' | 'disputeLost' | 'claimFailed';

const SCORES: Record<Outcome, { value: number; weight: number }> = {
  verified: { value: 1, weight: 1 },
  completed: { value: 1, weight: 0.25 },
  timeout: { value: 0, weight: 0.5 },
  failed: { value: 0, weight: 0.5 },
  disputeLost: { value: 0, weight: 10 },
  // A hardware challenge failed: it may have been a busy moment, so it weighs less than a lost dispute.
  claimFailed: { value: 0, weight: 3 },
};

export interface ReputationOptions {
  /** Weight (in verified-result units) after which an outcome counts half. */
  halfLife?: number;
  prior?: number;
  /** Jobs on probation. */
  probationJobs?: number;
  /** How much more often a provider on probation is sampled. */
  probationSampling?: number;
}

interface Standing {
  score: number;
  jobs: number;
}

export class ReputationBook {
  readonly #records = new Map<string, Standing>();
  readonly #decay: number;
  readonly #prior: number;
  readonly #probationJobs: number;
  readonly #probationSampling: number;

  constructor(options: ReputationOptions = {}) {
    this.#decay = 0.5 ** (1 / (options.halfLife ?? 50));
    this.#prior = options.prior ?? 0.5;
    this.#probationJobs = options.probationJobs ?? 20;
    this.#probationSampling = options.probationSampling ?? 4;
  }

  record(provider: string, outcome: Outcome): number {
    const current = this.#records.get(provider) ?? { score: this.#prior, jobs: 0 };
    const { value, weight } = SCORES[outcome];
    // An outcome of weight w moves the score as far as w outcomes of weight 1 would.
    const keep = this.#decay ** weight;
    current.score = keep * current.score + (1 - keep) * value;
    current.jobs++;
    this.#records.set(provider, current);
    return current.score;
  }

  score(provider: string): number {
    return this.#records.get(provider)?.score ?? this.#prior;
  }

  onProbation(provider: string): boolean {
    return (this.#records.get(provider)?.jobs ?? 0) < this.#probationJobs;
  }

  /** The audit probability for this provider's next job, given the job's own. */
  samplingFor(provider: string, base: number): number {
    return this.onProbation(provider) ? Math.min(1, base * this.#probationSampling) : base;
  }
}
