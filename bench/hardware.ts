import { availableParallelism } from 'node:os';
import {
  cardTflops,
  checkCpuAnswer,
  checkGpuAnswer,
  cpuChallengeFor,
  cpuDeadlineMs,
  GpuChallengeRunner,
  gpuChallengeFor,
  gpuDeadlineMs,
  provenCores,
  runLanes,
} from '@idlegrid/node';
import { machineLine, markdownTable } from './report.js';

interface Row {
  claim: number;
  providerMs: number;
  providerCpuS: number;
  checkMs: number;
  checkCpuMs: number;
  deadlineMs: number;
  referenceMs: number;
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
      referenceMs: check.value.referenceLaneMs,
    });
  }
  return medianRow(claim, rows);
}

/** The columns both tables share: the provider's answer and CPU, the check, the deadline, the verdict. */
function timingCells(row: Row): string[] {
  return [
    row.providerMs.toFixed(0),
    row.providerCpuS.toFixed(2),
    row.checkMs.toFixed(0),
    row.checkCpuMs.toFixed(0),
    row.deadlineMs.toFixed(0),
    row.providerMs <= row.deadlineMs ? 'pass' : 'fail (late)',
  ];
}

function medianRow(claim: number, rows: Row[]): Row {
  const median = (pick: (row: Row) => number) =>
    rows.map(pick).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
  return {
    claim,
    providerMs: median((r) => r.providerMs),
    providerCpuS: median((r) => r.providerCpuS),
    checkMs: median((r) => r.checkMs),
    checkCpuMs: median((r) => r.checkCpuMs),
    deadlineMs: median((r) => r.deadlineMs),
    referenceMs: median((r) => r.referenceMs),
  };
}

/** What a `fake-gpu` provider does: a GPU challenge for `model`, answered with onnxruntime on every core. */
async function measureFakeGpu(
  runner: GpuChallengeRunner,
  model: string,
  runs: number,
): Promise<Row & { products: number }> {
  const rows: Row[] = [];
  let products = 0;
  for (let i = 0; i < runs; i++) {
    const challenge = gpuChallengeFor({ count: 1, model });
    products = challenge.products;
    const answer = await timed(() => runner.answer(challenge));
    const check = await timed(() => checkGpuAnswer(challenge, answer.value));
    if (!check.value.correct) throw new Error('a right answer failed its check');
    rows.push({
      claim: 1,
      providerMs: answer.wallMs,
      providerCpuS: answer.cpuMs / 1000,
      checkMs: check.wallMs,
      checkCpuMs: check.cpuMs,
      deadlineMs: gpuDeadlineMs({
        referenceMatrixMs: check.value.referenceMatrixMs,
        size: challenge.size,
        products: challenge.products,
        tflops: cardTflops(model),
        rttMs: 0,
      }),
      referenceMs: check.value.referenceMatrixMs,
    });
  }
  return { ...medianRow(1, rows), products };
}

/**
 * The GPU half: no GPU here, so what is measured is the adversary, a CPU answering for a claimed
 * card (the same digests, computed by onnxruntime on every core), and what the coordinator pays
 * to check it. A real card's time is the deadline's GPU part at most; it is yet to be measured.
 */
async function gpuSection(runs: number): Promise<string> {
  const runner = new GpuChallengeRunner({ device: 'cpu', threads: availableParallelism() });
  const rows: string[][] = [];
  try {
    for (const model of ['a card the table does not know', 'Tesla T4', 'NVIDIA H100 80GB HBM3']) {
      const row = await measureFakeGpu(runner, model, runs);
      rows.push([model, String(cardTflops(model)), String(row.products), ...timingCells(row)]);
    }
  } finally {
    await runner.close();
  }
  return [
    '## Proof of hardware: a GPU claim answered by a CPU',
    '',
    `Medians of ${runs} challenges of one claimed card each, 4096² matrices, products sized to take the claimed card about 50 ms (2 to 8). No GPU on this machine: the provider is the fake-gpu adversary, onnxruntime on all ${availableParallelism()} cores computing the same digests a card would. The coordinator recomputes 2 rows of one lane in a worker thread. An honest card's answer is the CPU part of the deadline (generating A and B) plus its products and the copy to the card; the deadline allows 2.5 times the coordinator's own generation time, 3 times the datasheet time of the products and a PCIe 3.0 x4 copy.`,
    '',
    markdownTable(
      [
        'claimed card',
        'datasheet TFLOPS',
        'products',
        'provider answer, ms',
        'provider CPU, s',
        'coordinator check, ms',
        'coordinator CPU, ms',
        'deadline, ms',
        'verdict',
      ],
      rows,
    ),
  ].join('\n');
}

/**
 * The docs/benchmarks.md section for proof of hardware: what a CPU challenge costs the provider
 * (wall and CPU seconds) and the coordinator (its one check lane), for true claims of this
 * machine's cores (the baseline) and claims inflated 2 to 8 times, measured on one machine
 * (no network: the round trip is left out of the deadline); then GPU claims answered by a CPU.
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
      'cores counted',
    ],
    rows.map((row) => [
      row.claim <= cores ? `${row.claim} (true)` : `${row.claim} (${row.claim / cores}× inflated)`,
      ...timingCells(row),
      row.providerMs <= row.deadlineMs
        ? String(
            provenCores({
              claimed: row.claim,
              lanes: row.claim,
              referenceMs: row.referenceMs,
              elapsedMs: row.providerMs,
              rttMs: 0,
            }),
          )
        : '1 (after 2 in a row)',
    ]),
  );
  return [
    '## Proof of hardware: the cost of a CPU challenge',
    '',
    machineLine(),
    '',
    `Medians of ${runs} challenges on this ${cores}-core machine, each lane 8 MiB read back a quarter of its words. The provider runs one lane a claimed core at once; the coordinator runs one lane it picks after the answer, in a worker thread (its event loop is not held). True claims are the baseline; inflated ones are what a fake-cores provider answers. Cores counted: what the scheduler counts of the claim once verified (the cores the timing proves, in cores as fast as the coordinator's).`,
    '',
    table,
    '',
    await gpuSection(Math.min(runs, 3)),
  ].join('\n');
}
