import { availableParallelism } from 'node:os';
import { checkCpuAnswer, cpuChallengeFor, cpuDeadlineMs, runLanes } from '@idlegrid/node';
import { machineLine, markdownTable } from './report.js';

interface Row {
  claim: number;
  providerMs: number;
  providerCpuS: number;
  checkMs: number;
  checkCpuMs: number;
  deadlineMs: number;
}

/** CPU time of this process (all its threads) and wall time of `work`. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** One claim's challenge, answered and checked as provider and coordinator do, `runs` times (medians). */
async function measure(claim: number, runs: number): Promise<Row> {
  const rows: Row[] = [];
  for (let i = 0; i < runs; i++) {
    const challenge = cpuChallengeFor(claim);
    const answer = await timed(() => runLanes(challenge.seed, challenge.lanes, challenge));
    const check = await timed(() => checkCpuAnswer(challenge, { digests: answer.value }));
    if (!check.value.correct) throw new Error('an honest answer failed its check');
    rows.push({
      claim,
      providerMs: answer.wallMs,
      providerCpuS: answer.cpuMs / 1000,
      checkMs: check.wallMs,
      checkCpuMs: check.cpuMs,
      deadlineMs: cpuDeadlineMs(check.value.referenceLaneMs, 0),
    });
  }
  const median = (pick: (row: Row) => number) =>
    rows.map(pick).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
  return {
    claim,
    providerMs: median((r) => r.providerMs),
    providerCpuS: median((r) => r.providerCpuS),
    checkMs: median((r) => r.checkMs),
    checkCpuMs: median((r) => r.checkCpuMs),
    deadlineMs: median((r) => r.deadlineMs),
  };
}

/**
 * The docs/benchmarks.md section for proof of hardware: what a CPU challenge costs the provider
 * (wall and CPU seconds) and the coordinator (its one check lane), for true claims of this
 * machine's cores (the baseline) and claims inflated 2 to 8 times, measured on one machine
 * (no network: the round trip is left out of the deadline).
 */
export async function runHardwareBenchmark(runs = 5): Promise<string> {
  const cores = availableParallelism();
  const claims = [1, cores, 2 * cores, 4 * cores, 8 * cores];
  const rows: Row[] = [];
  for (const claim of claims) rows.push(await measure(claim, runs));
  const table = markdownTable(
    [
      'claimed cores',
      'provider answer, ms',
      'provider CPU, s',
      'coordinator check, ms',
      'coordinator CPU, ms',
      'deadline, ms',
      'verdict',
    ],
    rows.map((row) => [
      row.claim <= cores ? `${row.claim} (true)` : `${row.claim} (${row.claim / cores}× inflated)`,
      row.providerMs.toFixed(0),
      row.providerCpuS.toFixed(2),
      row.checkMs.toFixed(0),
      row.checkCpuMs.toFixed(0),
      row.deadlineMs.toFixed(0),
      row.providerMs <= row.deadlineMs ? 'pass' : 'fail (late)',
    ]),
  );
  return [
    '## Proof of hardware: the cost of a CPU challenge',
    '',
    machineLine(),
    '',
    `Medians of ${runs} challenges on this ${cores}-core machine, each lane 8 MiB read back a quarter of its words. The provider runs one lane a claimed core at once; the coordinator runs one lane it picks after the answer, in a worker thread (its event loop is not held). True claims are the baseline; inflated ones are what a fake-cores provider answers.`,
    '',
    table,
  ].join('\n');
}
