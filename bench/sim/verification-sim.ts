import {
  DEFAULT_VERIFICATION,
  exactComparator,
  formatVerification,
  type JobRequest,
  type PolicyName,
  ReputationBook,
  Scheduler,
  type VerificationPolicy,
  verdict,
} from '@idlegrid/node';
import { machineLine, markdownTable } from '../report.js';
import { Random } from './random.js';
import { generateProviders } from './world.js';

/** Every job of the stream: a small deterministic WASM task any provider can run. */
const TASK: Omit<JobRequest, 'id'> = {
  runtime: 'wasm',
  kind: 'task',
  model: '',
  tokens: 0,
  cpuCores: 1,
  memoryMb: 256,
  vramMb: 0,
  gpu: '',
  region: '',
  maxRttMs: 0,
  maxPrice: 1e12,
  maxSeconds: 60,
  minReputation: 0,
};

/**
 * How a cheating provider answers: always wrong, wrong on a share of jobs, lazily (its last
 * answer again), or as one of a colluding ring that gives one shared wrong answer per job.
 */
type Cheat = { kind: 'wrong'; rate: number } | { kind: 'lazy' } | { kind: 'collude' };

export interface VerificationSimResult {
  policy: string;
  jobs: number;
  wrongAccepted: number;
  disputed: number;
  runs: number;
  /** Per kind of cheater: how many there were, and for each one caught, how many of its answers came before. */
  byCheat: Record<string, { cheaters: number; jobsUntilSlashed: number[] }>;
  honestSlashed: number;
}

const cheatName = (cheat: Cheat) =>
  cheat.kind !== 'wrong' ? cheat.kind : cheat.rate === 1 ? 'always wrong' : `wrong ${cheat.rate * 100}%`;

/**
 * Plays a stream of deterministic jobs on providers of whom a share cheat, under one
 * verification policy. Placement is the real Scheduler; probation sampling is the real
 * ReputationBook; the audit, arbitration and replica flow follows result-verification.ts:
 * answers are compared by outcome, a majority wins, each provider in a minority is slashed and
 * leaves the network. Each run's answer is "right", a fresh wrong value, or the lazy
 * provider's previous answer; independent wrong answers never agree.
 */
export function simulateVerification(options: {
  providers: number;
  jobs: number;
  adversarialShare: number;
  policy: VerificationPolicy;
  placement: PolicyName;
  seed: number;
}): VerificationSimResult {
  const random = new Random(options.seed);
  const providers = generateProviders(options.providers, new Random(options.seed + 1)).map((p) => p.profile);
  const scheduler = new Scheduler({ policy: options.placement, random: random.next });
  for (const provider of providers) scheduler.upsertProvider(provider, 0);
  const cheats = new Map<string, Cheat>();
  const modes: Cheat[] = [
    { kind: 'wrong', rate: 1 },
    { kind: 'wrong', rate: 0.3 },
    { kind: 'lazy' },
    { kind: 'collude' },
  ];
  for (const provider of providers) {
    if (random.next() < options.adversarialShare)
      cheats.set(provider.address, modes[cheats.size % modes.length]!);
  }
  const reputation = new ReputationBook();
  const lastAnswer = new Map<string, string>();
  const answered = new Map<string, number>();
  const result: VerificationSimResult = {
    policy: formatVerification(options.policy),
    jobs: options.jobs,
    wrongAccepted: 0,
    disputed: 0,
    runs: 0,
    byCheat: {},
    honestSlashed: 0,
  };
  for (const cheat of cheats.values()) {
    const name = cheatName(cheat);
    result.byCheat[name] ??= { cheaters: 0, jobsUntilSlashed: [] };
    result.byCheat[name].cheaters++;
  }
  let wrongSerial = 0;

  /** A provider's answer to job `job` (a canary is a job of its own: `canary-N`). */
  const answer = (provider: string, job: number | string): string => {
    result.runs++;
    answered.set(provider, (answered.get(provider) ?? 0) + 1);
    const cheat = cheats.get(provider);
    const right = `right-${job}`;
    let given = right;
    if (cheat?.kind === 'lazy') given = lastAnswer.get(provider) ?? 'empty';
    else if (cheat?.kind === 'collude') given = `ring-${job}`;
    else if (cheat && random.next() < cheat.rate) given = `wrong-${wrongSerial++}`;
    lastAnswer.set(provider, given);
    return given;
  };
  const slashed = new Set<string>();
  const slash = (provider: string) => {
    // Slashed, it leaves: a second offence found on the same job counts once.
    if (slashed.has(provider)) return;
    slashed.add(provider);
    const cheat = cheats.get(provider);
    if (cheat) {
      result.byCheat[cheatName(cheat)]!.jobsUntilSlashed.push(answered.get(provider) ?? 0);
    } else {
      result.honestSlashed++;
    }
    reputation.record(provider, 'disputeLost');
    scheduler.setOffline(provider, 0, false);
  };
  /** Places one run of the job away from `excluded`; undefined when no provider is left. */
  const runOn = (request: JobRequest, excluded: Set<string>): string | undefined => {
    const outcome = scheduler.place(request, 0, excluded);
    if (!outcome.placed) return undefined;
    scheduler.release(request.id);
    excluded.add(outcome.provider);
    return outcome.provider;
  };
  /**
   * The coordinator's own decision (`verdict`): unanimity, or on a disagreement three runs of
   * one answer and a majority; more runs until then, at most seven. Each dissenter is slashed.
   * Returns the accepted answer, or undefined when no answer won.
   */
  const settle = (
    request: JobRequest,
    excluded: Set<string>,
    runs: { provider: string; given: string }[],
    job: number,
  ): string | undefined => {
    for (;;) {
      const decided = verdict(
        runs.map((run) => ({ run, manifest: manifestOf(run.given) })),
        exactComparator,
      );
      if (decided) {
        for (const { run } of decided.dissenting) slash(run.provider);
        for (const { run } of decided.agreeing) reputation.record(run.provider, 'verified');
        return decided.winner.run.given;
      }
      const next = runs.length < 7 ? runOn(request, excluded) : undefined;
      if (!next) return undefined;
      runs.push({ provider: next, given: answer(next, job) });
    }
  };

  for (let job = 0; job < options.jobs; job++) {
    const request: JobRequest = { ...TASK, id: `job-${job}` };
    const excluded = new Set<string>();
    const first = runOn(request, excluded);
    if (!first) break;
    const runs = [{ provider: first, given: answer(first, job) }];
    const { policy } = options;
    let accepted: string | undefined;
    if (policy.kind === 'replicate') {
      for (let i = 1; i < policy.replicas; i++) {
        const provider = runOn(request, excluded);
        if (provider) runs.push({ provider, given: answer(provider, job) });
      }
      accepted = settle(request, excluded, runs, job);
    } else if (
      policy.kind === 'canary' &&
      random.next() < reputation.samplingFor(first, policy.probability ?? DEFAULT_VERIFICATION.canaryRate)
    ) {
      // A known-answer job to the same provider: the right answer accepts the job's own answer;
      // a wrong one is slashed, and the job itself is audited.
      const canary = `canary-${job}`;
      if (answer(first, canary) === `right-${canary}`) {
        accepted = runs[0]!.given;
        reputation.record(first, 'verified');
      } else {
        slash(first);
        const auditor = runOn(request, excluded);
        if (auditor) runs.push({ provider: auditor, given: answer(auditor, job) });
        accepted = settle(request, excluded, runs, job);
      }
    } else if (
      policy.kind === 'sample' &&
      random.next() < reputation.samplingFor(first, policy.probability)
    ) {
      const auditor = runOn(request, excluded);
      if (auditor) runs.push({ provider: auditor, given: answer(auditor, job) });
      accepted = runs.length === 1 ? runs[0]!.given : settle(request, excluded, runs, job);
    } else {
      accepted = runs[0]!.given;
      reputation.record(first, 'completed');
    }
    if (accepted === undefined) result.disputed++;
    else if (accepted !== `right-${job}`) result.wrongAccepted++;
  }
  return result;
}

/** The docs/benchmarks.md section: each policy on the same providers and job stream, at two sizes. */
export function verificationSection(): string {
  return [
    '## Verification: cheaters caught, wrong results accepted, overhead',
    '',
    machineLine(),
    '',
    'Cheaters are, in equal parts, always wrong, wrong on 30% of jobs, lazy (they repeat their last answer, so two lazy providers can agree on a wrong one) and members of one colluding ring (all give the same wrong answer to a job). Placement is the real `Scheduler` (random policy, so every provider gets work); probation is the real `ReputationBook` (new providers checked 4x as often for their first 20 jobs); a slashed provider leaves. Each policy follows `coordinator/result-verification.ts`: `sample` audits the job on another provider; `canary` (at the network rate, 10%) sends the provider a known-answer job, and audits the job when that fails; `replicate(3)` runs it three times (commit-reveal stops copying, so only the ring shares answers). Disagreements are settled by the same `verdict` as in the coordinator. Targets: `sample` at no more than 10% overhead catches every persistent cheater within 200 of its jobs; `replicate(3)` accepts no wrong result.',
    '',
    table({ providers: 200, jobs: 60_000 }),
    '',
    table({ providers: 1_000, jobs: 20_000 }),
    '',
    'In the second run most providers are still on probation (20 jobs each), so sampling costs about four times its rate. Disagreements are decided as the coordinator decides them (`verdict`): three runs of one answer and a majority. With a bare 2-to-1 majority instead, the same second run had `replicate(3)` accept 2 wrong results and slash 2 honest providers, outvoted by two lazy providers repeating the same stale answer.',
  ].join('\n');
}

function table(size: { providers: number; jobs: number }): string {
  const policies: VerificationPolicy[] = [
    { kind: 'none' },
    { kind: 'sample', probability: 0.05 },
    { kind: 'sample', probability: 0.1 },
    { kind: 'canary' },
    { kind: 'replicate', replicas: 3 },
  ];
  const common = { ...size, adversarialShare: 0.1, placement: 'random' as const, seed: 11 };
  const results = policies.map((policy) => simulateVerification({ ...common, policy }));
  const kinds = ['always wrong', 'wrong 30%', 'lazy', 'collude'];
  const caught = (r: VerificationSimResult, kind: string) => {
    const entry = r.byCheat[kind] ?? { cheaters: 0, jobsUntilSlashed: [] };
    const worst = entry.jobsUntilSlashed.length ? Math.max(...entry.jobsUntilSlashed) : '-';
    return `${entry.jobsUntilSlashed.length} of ${entry.cheaters} (max ${worst})`;
  };
  return [
    `### ${common.adversarialShare * 100}% cheaters among ${size.providers.toLocaleString('en')} providers, ${size.jobs.toLocaleString('en')} jobs`,
    '',
    markdownTable(
      [
        'policy',
        'wrong results accepted',
        'disputed (no majority)',
        'extra runs (overhead)',
        ...kinds.map((kind) => `${kind} cheaters slashed (most of its jobs before)`),
        'honest providers slashed',
      ],
      results.map((r) => [
        r.policy,
        `${r.wrongAccepted} (${((100 * r.wrongAccepted) / r.jobs).toFixed(2)}%)`,
        r.disputed,
        `${(100 * (r.runs / r.jobs - 1)).toFixed(1)}%`,
        ...kinds.map((kind) => caught(r, kind)),
        r.honestSlashed,
      ]),
    ),
  ].join('\n');
}

/** A stand-in manifest whose outcome is the answer given. */
function manifestOf(given: string) {
  return {
    jobId: 'sim',
    exitCode: 0,
    stdoutCid: given,
    stderrCid: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 0,
  };
}
