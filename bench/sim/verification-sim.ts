import type { VerificationPolicy } from '@idlegrid/node';
import { simulateVerification, type VerificationSimResult } from '@idlegrid/node/sim';
import { machineLine, markdownTable } from '../report.js';

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
