/** A job run more than once (replicated, audited or arbitrated): who gave which answer. */
export interface CheckedJob {
  jobId: string;
  runs: readonly { provider: string; outcome: string }[];
}

/** Two providers that ran the same jobs, and how often they agreed with each other against the majority. */
export interface PairRecord {
  a: string;
  b: string;
  /** Jobs both ran. */
  coRuns: number;
  /** Of those, jobs where they gave the same answer and the job's majority gave another. */
  againstMajority: number;
  /** Those jobs, the first `EVIDENCE_JOBS` of them. */
  jobs: string[];
  /** Providers that gave the majority's answer in those jobs (at most `EVIDENCE_JOBS`). */
  opposed: string[];
}

const EVIDENCE_JOBS = 20;

/**
 * Who agreed with whom, over every checked job (all its runs: replicas, audits, arbiters): per
 * pair of providers that shared a job, how many jobs they shared and in how many of them they
 * gave the same answer while the job's majority (its largest group of equal answers, when one
 * group is largest) gave another. Independent wrong answers to a deterministic job almost
 * never coincide: two runs agreeing against the majority either share a bug or share the
 * answer on purpose. `detectRings` tests how often that happens against chance.
 */
export class AgreementGraph {
  readonly pairs = new Map<string, PairRecord>();
  /** Jobs each provider ran, and how many of them were disputed. */
  readonly runs = new Map<string, { jobs: number; disputed: number }>();
  #coRuns = 0;
  #againstMajority = 0;

  add(job: CheckedJob): void {
    const answers = new Map<string, string>();
    for (const run of job.runs) if (!answers.has(run.provider)) answers.set(run.provider, run.outcome);
    if (answers.size < 2) return;
    const sizes = new Map<string, number>();
    for (const answer of answers.values()) sizes.set(answer, (sizes.get(answer) ?? 0) + 1);
    const disputed = sizes.size > 1;
    const ranked = [...sizes].sort((x, y) => y[1] - x[1]);
    const majority = ranked.length === 1 || ranked[0]![1] > ranked[1]![1] ? ranked[0]![0] : undefined;
    const providers = [...answers.keys()].sort();
    for (const provider of providers) {
      const record = this.runs.get(provider) ?? { jobs: 0, disputed: 0 };
      record.jobs++;
      if (disputed) record.disputed++;
      this.runs.set(provider, record);
    }
    for (let i = 0; i < providers.length; i++) {
      for (let j = i + 1; j < providers.length; j++) {
        const a = providers[i]!;
        const b = providers[j]!;
        const pair = this.#pair(a, b);
        pair.coRuns++;
        this.#coRuns++;
        const outcome = answers.get(a)!;
        if (!disputed || majority === undefined || outcome === majority || outcome !== answers.get(b))
          continue;
        pair.againstMajority++;
        this.#againstMajority++;
        if (pair.jobs.length < EVIDENCE_JOBS) pair.jobs.push(job.jobId);
        for (const [other, answer] of answers) {
          if (answer === majority && pair.opposed.length < EVIDENCE_JOBS && !pair.opposed.includes(other))
            pair.opposed.push(other);
        }
      }
    }
  }

  /** The share of all shared jobs in which the pair agreed against the majority, colluders included. */
  get baseRate(): number {
    return this.#coRuns === 0 ? 0 : this.#againstMajority / this.#coRuns;
  }

  /** Jobs shared pairwise, and agreements against the majority among them, over the whole graph. */
  get totals(): { coRuns: number; againstMajority: number } {
    return { coRuns: this.#coRuns, againstMajority: this.#againstMajority };
  }

  #pair(a: string, b: string): PairRecord {
    const key = `${a}|${b}`;
    let pair = this.pairs.get(key);
    if (!pair) {
      pair = { a, b, coRuns: 0, againstMajority: 0, jobs: [], opposed: [] };
      this.pairs.set(key, pair);
    }
    return pair;
  }
}
