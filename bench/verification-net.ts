import { countPrimes, type JobEvent, readExampleModule } from '@idlegrid/node';
import { fetchResult, submitWasmJob, uploadArtifact, waitForJob } from '@idlegrid/sdk';
import { type Network, startNetwork } from './local-network.js';
import { machineLine, markdownTable } from './report.js';

/**
 * Verification on a real local network (processes, libp2p, SQLite; no chain, so punishments
 * are decided and their evidence stored, but nothing is slashed on-chain): 10 providers, one
 * of which (10%) answers every job wrong; the same stream of prime-counting WASM jobs under
 * each policy, each policy on a fresh network so that every one starts with new providers
 * on probation.
 */
const PROVIDERS = 10;
const JOBS = 120;
const CONCURRENCY = 6;
const POLICIES = ['none', 'sample:0.1', 'canary', 'replicate:3'];
const CHEATER = 0;

interface PolicyRun {
  policy: string;
  wrongAccepted: number;
  failed: number;
  runs: number;
  /** Position in the stream (1-based) of the job whose verification first punished the cheater. */
  firstPunishedAt: number | undefined;
  punishments: number;
  honestPunished: number;
  latenciesMs: number[];
}

async function runPolicy(policy: string): Promise<PolicyRun> {
  // Random placement, so that the cheater gets its share of the work (as in the simulation).
  const net = await startNetwork(PROVIDERS, {
    adversaries: { [CHEATER]: 'wrong' },
    placementPolicy: 'random',
  });
  const cheater = net.providers[CHEATER]!.address;
  const run: PolicyRun = {
    policy,
    wrongAccepted: 0,
    failed: 0,
    runs: 0,
    firstPunishedAt: undefined,
    punishments: 0,
    honestPunished: 0,
    latenciesMs: [],
  };
  try {
    const module = await uploadArtifact(net.ctx, await readExampleModule('primes'));
    let next = 0;
    const worker = async () => {
      while (next < JOBS) {
        const position = ++next;
        const n = 1_000 + position * 997;
        await runJob(net, module, policy, n, position, cheater, run);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    await net.stop();
  }
  return run;
}

async function runJob(
  net: Network,
  module: string,
  policy: string,
  n: number,
  position: number,
  cheater: string,
  run: PolicyRun,
): Promise<void> {
  const started = performance.now();
  const submitted = await submitWasmJob(net.ctx, {
    module,
    args: [String(n)],
    maxPrice: 10n ** 18n,
    deadlineSeconds: 120,
    memoryMb: 16,
    cpuCores: 1,
    verification: policy,
  });
  const job = await waitForJob(net.ctx, submitted.id, { timeoutMs: 120_000 });
  if (job.state !== 'accepted') {
    run.failed++;
    return;
  }
  run.latenciesMs.push(performance.now() - started);
  const stdout = new TextDecoder().decode((await fetchResult(net.ctx, job)).stdout).trim();
  if (stdout !== String(countPrimes(n))) run.wrongAccepted++;
  const events = ((await net.ctx.coordinator.getJson(`/v1/jobs/${job.id}/events`)) as { events: JobEvent[] })
    .events;
  const verification = events.at(-1)?.detail?.verification as
    | { runs: number; canary?: unknown; slashed: { provider: string }[] }
    | undefined;
  run.runs += verification ? verification.runs + (verification.canary ? 1 : 0) : 1;
  for (const { provider } of verification?.slashed ?? []) {
    if (provider !== cheater) run.honestPunished++;
    else {
      run.punishments++;
      run.firstPunishedAt = Math.min(run.firstPunishedAt ?? position, position);
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function verificationNetworkSection(): Promise<string> {
  const results: PolicyRun[] = [];
  for (const policy of POLICIES) results.push(await runPolicy(policy));
  return [
    `### On a local network: ${PROVIDERS} provider processes, 1 always wrong, ${JOBS} jobs per policy`,
    '',
    machineLine(),
    '',
    `Each policy on a fresh network (every provider new, on probation); random placement, so that the cheater gets its share of the work; prime counts checked against a JavaScript reference; ${CONCURRENCY} jobs in flight. No chain: punishments are decided, their evidence stored and the cheater suspended, but nothing is slashed on-chain (the end-to-end tests check the on-chain slashes). Runs per job counts every run, canaries included.`,
    '',
    markdownTable(
      [
        'policy',
        'wrong results accepted',
        'jobs failed',
        'runs per job (overhead)',
        'cheater first punished at job',
        'punishments of the cheater',
        'honest punished',
        'median submit-to-accepted',
      ],
      results.map((r) => [
        r.policy,
        `${r.wrongAccepted} of ${JOBS}`,
        r.failed,
        `${(r.runs / (JOBS - r.failed)).toFixed(2)} (+${((100 * r.runs) / (JOBS - r.failed) - 100).toFixed(0)}%)`,
        r.firstPunishedAt ?? 'never',
        r.punishments,
        r.honestPunished,
        `${median(r.latenciesMs).toFixed(0)} ms`,
      ]),
    ),
  ].join('\n');
}
