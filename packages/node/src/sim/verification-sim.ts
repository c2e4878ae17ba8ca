import { DEFAULT_VERIFICATION } from '../coordinator/job-intake.js';
import type { JobRequest, PolicyName } from '../scheduler/api.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { exactComparator, verdict } from '../verify/compare.js';
import { formatVerification, type VerificationPolicy } from '../verify/policy.js';
import { ReputationBook } from '../verify/reputation.js';
import { Random } from './random.js';
import { generateProviders } from './world.js';

/** Every job of a simulated stream: a small deterministic WASM task any provider can run. */
export const SIM_TASK: Omit<JobRequest, 'id'> = {
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
  /** Jobs whose first run was a wrong answer, and how many of those got their provider slashed. */
  wrongFirstAnswers: number;
  wrongFirstAnswersSlashed: number;
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
    wrongFirstAnswers: 0,
    wrongFirstAnswersSlashed: 0,
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
    const request: JobRequest = { ...SIM_TASK, id: `job-${job}` };
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
    if (runs[0]!.given !== `right-${job}`) {
      result.wrongFirstAnswers++;
      if (slashed.has(first)) result.wrongFirstAnswersSlashed++;
    }
    if (accepted === undefined) result.disputed++;
    else if (accepted !== `right-${job}`) result.wrongAccepted++;
  }
  return result;
}

/** A stand-in manifest whose outcome is the answer given. */
export function manifestOf(given: string) {
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
