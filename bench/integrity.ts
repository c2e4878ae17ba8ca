import { type CollusionSimOptions, type CollusionSimResult, simulateCollusion } from '@idlegrid/node/sim';
import { machineLine, markdownTable } from './report.js';

type Detection = CollusionSimResult['rings']['detector'];

/**
 * The docs/benchmarks.md section for collusion and wash-trading detection: the simulator at
 * 10,000 providers, each detector against its baseline in the same run, and the same market
 * again with the findings kept out of placement.
 */
export function runIntegrityBenchmark(jobs = 60_000): string {
  const options: CollusionSimOptions = {
    providers: 10_000,
    ringShare: 0.03,
    ringSize: 10,
    ringPrice: 0.3,
    clients: 2_000,
    washTraders: 60,
    providersPerWashTrader: 3,
    jobs,
    rounds: 15,
    keepApart: true,
    seed: 20,
  };
  const started = performance.now();
  const apart = simulateCollusion(options);
  const seconds = (performance.now() - started) / 1000;
  const together = simulateCollusion({ ...options, keepApart: false });
  const perRound = Math.ceil(options.jobs / options.rounds);
  const row = (name: string, d: Detection, total: number) => [
    name,
    `${d.truePositives} of ${total}`,
    d.falsePositives,
    pct(d.precision),
    pct(d.recall),
    pct(d.recallOfActive),
    median(d.roundsToDetection, perRound),
  ];
  const header = [
    'method',
    'found',
    'innocent flagged',
    'precision',
    'recall',
    'recall of those that acted',
    'median time to detection',
  ];
  return [
    '## Collusion and wash-trading detection',
    '',
    machineLine(),
    '',
    `${options.providers.toLocaleString('en')} providers, of which ${apart.colluders} (${options.ringShare * 100}%) collude in rings of ${options.ringSize} that undercut prices to ${options.ringPrice * 100}% to win work; ${options.clients.toLocaleString('en')} honest clients (sizes by Zipf's law) and ${options.washTraders} wash traders with ${options.providersPerWashTrader} providers each; 2% flaky honest providers (10% wrong answers) and 1% on a stale runtime (20% of answers the same wrong one). ${options.jobs.toLocaleString('en')} jobs, half of the honest ones \`replicate(3)\`, placed by the real \`Scheduler\` (learned policy) and decided by the real \`verdict\`; the detectors run after each of ${options.rounds} rounds of ${perRound.toLocaleString('en')} jobs on everything so far (\`sim/collusion-sim.ts\`). A ring lies, with one shared wrong answer, whenever two or more of its members hold runs of a job. Method: docs/integrity.md.`,
    '',
    `### Colluding rings (${apart.activeColluders} of ${apart.colluders} colluders ever held two runs of one job with a ring-mate, and so lied)`,
    '',
    markdownTable(header, [
      row('agreement graph (`detectRings`)', apart.rings.detector, apart.colluders),
      row(
        'baseline: per-job majority check (lost a verdict with a same-answer run)',
        apart.rings.baseline,
        apart.colluders,
      ),
    ]),
    '',
    'Both rows come from the same run, the one with placement fed (below). The per-job check flags a provider the first time it loses a verdict together with another run of the same answer. That is fast, but it also flags honest providers on the same stale runtime, and it never groups anyone into a ring. The agreement graph reports a group only when independent providers would form one like it less than once in a thousand graphs: it waits for repeats, or for a group larger than chance makes. In the coordinator both act: the per-job check slashes, with signed evidence, and the graph only penalizes reputation and keeps ring-mates apart.',
    '',
    `### Wash trading (${options.washTraders} wash traders: half paid back through a mule, half funded by an owner who funds their providers)`,
    '',
    markdownTable(header, [
      row('payment graph (`detectWashTrading`)', apart.washTrading.detector, options.washTraders),
      row(
        'baseline: spend concentration (Herfindahl >= 0.25)',
        apart.washTrading.baseline,
        options.washTraders,
      ),
      ['baseline: per-job majority check', `0 of ${options.washTraders}`, 0, '-', '0%', '0%', '-'],
    ]),
    '',
    '### Feeding placement',
    '',
    markdownTable(
      [
        'placement',
        'jobs where a ring held two runs',
        'of them after the ring was found',
        'ring answers accepted',
        'honest runs outvoted',
      ],
      [
        [
          'found ring members kept apart (`CollusionFindings.keepApart`)',
          apart.ringJobs,
          apart.ringJobsAfterDetection,
          apart.wrongAccepted,
          apart.honestOutvoted,
        ],
        [
          'findings ignored',
          together.ringJobs,
          together.ringJobsAfterDetection,
          together.wrongAccepted,
          together.honestOutvoted,
        ],
      ],
    ),
    '',
    `The last round's detection pass over the whole history took ${Math.round(apart.ringsMs)} ms for the agreement graph (${apart.agreementPairs.toLocaleString('en')} pairs) and ${Math.round(apart.washMs)} ms for the payment graph (${apart.flows.toLocaleString('en')} payments and transfers, built and searched). The whole simulation took ${seconds.toFixed(0)} s.`,
  ].join('\n');
}

function pct(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

function median(rounds: readonly number[], perRound: number): string {
  if (rounds.length === 0) return '-';
  const middle = rounds[Math.floor(rounds.length / 2)]!;
  return `round ${middle} (${(middle * perRound).toLocaleString('en')} jobs)`;
}
