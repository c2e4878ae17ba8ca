import type { JobSpec, ResultManifest } from '@idlegrid/protocol';
import type { Hex } from 'viem';
import type { JobRecord, JobRun, JobStore, TransitionOptions } from '../jobs/api.js';
import type { CanaryRecord } from './canary-checks.js';
import type { ProviderRegistry } from './provider-registry.js';
import { type PunishDeps, type Punishment, punish } from './punishment.js';

export interface SettleDeps extends PunishDeps {
  store: JobStore;
  registry: ProviderRegistry;
  move: (id: string, to: JobRecord['state'], options: TransitionOptions) => Promise<JobRecord>;
}

/**
 * A verified job's answer is decided: each run in the minority is punished, the answer is
 * accepted with the first run's result if it agreed (else the first that did), and every run
 * that gave the answer is charged, since the check is work the client asked for; wrong and
 * withheld runs earn nothing. The `accepted` event's `detail.verification` lists the runs,
 * who agreed, the canary if one was sent, and every punishment of the job.
 */
export async function settle(
  deps: SettleDeps,
  args: {
    job: JobRecord;
    spec: JobSpec;
    agreeing: JobRun[];
    dissenting: JobRun[];
    runs: JobRun[];
    now: number;
  },
): Promise<void> {
  const { job, spec, agreeing, dissenting, runs, now } = args;
  const winner = agreeing.find((run) => run.purpose === 'first') ?? agreeing[0]!;
  const challenger = agreeing.find((run) => run !== winner) ?? winner;
  const punished: Punishment[] = runs.flatMap((run) => {
    const earlier = run.signed.punishment ?? (run.signed.canary as CanaryRecord | undefined)?.punishment;
    return earlier ? [earlier as Punishment] : [];
  });
  const canary = runs.find((run) => run.signed.canary)?.signed.canary as CanaryRecord | undefined;
  const answers = [...agreeing, ...dissenting];
  const decided = {
    winningDigest: winner.outcome ?? '',
    agreeing: agreeing.map((run) => run.provider as Hex),
    dissenting: dissenting.map((run) => run.provider as Hex),
  };
  for (const loser of dissenting) {
    punished.push(
      await punish(deps, {
        ...offenceOn(job, spec),
        accused: loser.provider,
        reason: 'wrong-answer',
        runs: answers,
        verdict: decided,
        challenger: challenger.provider,
        now,
      }),
    );
  }
  let price = 0n;
  for (const run of agreeing) {
    deps.registry.recordOutcome(run.provider, 'verified', now, job.client);
    const charge = deps.registry.charge(run.provider, spec, run.signed.manifest as ResultManifest);
    await deps.store.putRun({ ...run, charge: charge.toString() });
    price += charge;
  }
  await deps.move(job.id, 'accepted', {
    from: ['verifying'],
    patch: {
      provider: winner.provider,
      resultCid: winner.resultCid,
      price: price.toString(),
      leaseExpiresAt: null,
    },
    detail: {
      verification: {
        policy: spec.verification,
        runs: answers.length,
        ...(canary ? { canary: { label: canary.label, jobId: canary.jobId, state: canary.state } } : {}),
        agreeing: decided.agreeing,
        slashed: punished,
      },
    },
  });
}

/** What a punishment names: the job the offence was on, its signed spec, its value. */
export function offenceOn(job: JobRecord, spec: JobSpec) {
  return { jobId: job.id, spec: job.spec, jobValue: spec.maxPrice };
}
