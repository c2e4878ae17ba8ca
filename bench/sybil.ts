import { execFileSync } from 'node:child_process';
import {
  type ChallengeGroupOptions,
  type DetectionMetrics,
  detectionMetrics,
  type IdentityObservation,
  modelPolicy,
  runSybilSimulation,
  type SybilPolicy,
  sameAddressRule,
} from '@idlegrid/node';
import { markdownTable } from './report.js';

const PROVIDERS = 10_000;
const HOURS = 12;
const SEED = 2026;

/** The model, timed: what one hour's detection costs the coordinator, and how many challenges it asks for. */
function timedModel(options: ChallengeGroupOptions, name: string) {
  const model = modelPolicy(undefined, options, name);
  const stats = { ms: [] as number[], groups: 0, challenged: 0 };
  const policy: SybilPolicy = {
    name: model.name,
    decide(observations: IdentityObservation[]) {
      const start = performance.now();
      const decision = model.decide(observations);
      stats.ms.push(performance.now() - start);
      stats.groups += decision.challenge.length;
      stats.challenged += decision.challenge.flat().length;
      return decision;
    },
  };
  return { policy, stats };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const hours = (x: number) => (Number.isNaN(x) ? '–' : `${x} h`);
const row = (name: string, m: DetectionMetrics) => [
  name,
  pct(m.precision),
  pct(m.recall),
  pct(m.exactClusters),
  m.flagged,
  m.falsePositives,
  hours(m.medianHoursToDetection),
  hours(m.p90HoursToDetection),
];

const settings = { providers: PROVIDERS, fakeFraction: 0.05, sybilFraction: 0.05, seed: SEED, hours: HOURS };
const EXPLORE = 24;

/** `npm run bench:sybil`: sybil detection at 10,000 providers (5% fake hardware, 5% sybil identities), model against the same-IP rule. */
export function runSybilBenchmark(): string {
  // Two runs of the same world (its processes draw from their own stream): the model asking only
  // for its suspects' challenges (the rule watching the same run), and the model exploring too.
  const suspects = timedModel({}, 'model: suspects challenged together');
  const started = performance.now();
  const run = runSybilSimulation(settings, [suspects.policy, sameAddressRule]);
  const wallS = (performance.now() - started) / 1000;
  const exploring = timedModel(
    { exploreGroupSize: EXPLORE },
    `model, and everyone else in groups of ${EXPLORE} every hour`,
  );
  const explored = runSybilSimulation(settings, [exploring.policy]);
  const { identities } = run.world.population;
  const hourly = [
    [suspects, run.flagged.get(suspects.policy.name)!],
    [exploring, explored.flagged.get(exploring.policy.name)!],
  ] as const;
  const ruleHourly = run.flagged.get(sameAddressRule.name)!;
  const operators = new Set(identities.filter((id) => id.operator >= 0).map((id) => id.operator)).size;
  const count = (kind: string) => identities.filter((id) => id.kind === kind).length;
  const fakes = identities.filter((id) => id.kind === 'fake');
  const fakeCaught = fakes.filter((id) => run.world.hardwareFailedAt.has(id.address));
  const honestFailed = identities.filter(
    (id) => id.kind === 'honest' && run.world.hardwareFailedAt.has(id.address),
  );
  const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[ms.length >> 1]!;
  const machine = `${execFileSync('uname', ['-a']).toString().trim()}; nproc ${execFileSync('nproc').toString().trim()}`;
  return [
    '## Sybil detection',
    '',
    `${execFileSync('date').toString().trim()} · ${machine} · Node ${process.version} · \`npm run bench:sybil\``,
    '',
    `The sybil simulator (\`packages/node/src/integrity/sybil/simulation\`, seed ${SEED}): ${PROVIDERS.toLocaleString('en')} provider identities, ` +
      `${count('honest')} honest, ${count('fake')} with fake hardware, ${count('sybil')} sybil identities run by ${operators} operators (2 to 20 identities on one machine each), ` +
      `watched for ${HOURS} simulated hours. The model (logistic, trained by \`npm run train:sybil\` on seeds 1-4) flags clusters after each hour and asks for simultaneous challenges, which run in the next hour; ` +
      'the rule sees the same observations. Precision and recall are over identities at the end: a sybil counts as found when it is flagged together ' +
      'with another identity of its own operator; "exact" is the share of operators flagged as one cluster with exactly their identities. ' +
      `Time to detection is from joining to the end of the first hour that found it. The first run (model and rule) took ${wallS.toFixed(0)} s.`,
    '',
    markdownTable(
      [
        'detector',
        'precision',
        'recall',
        'exact clusters',
        'flagged',
        'false positives',
        'median time to detection',
        'p90',
      ],
      [
        ...hourly.map(([model, flags]) => row(model.policy.name, detectionMetrics(identities, flags))),
        row('rule: same IP ⇒ sybil', detectionMetrics(identities, ruleHourly)),
      ],
    ),
    '',
    'After each hour (precision / recall):',
    '',
    markdownTable(
      ['hours', 'model: suspects', 'model: exploring', 'rule: same IP'],
      ruleHourly.map((_, h) => [
        h + 1,
        ...[...hourly.map(([, flags]) => flags), ruleHourly].map((flags) => {
          const m = detectionMetrics(identities, flags.slice(0, h + 1));
          return `${pct(m.precision)} / ${pct(m.recall)}`;
        }),
      ]),
    ),
    '',
    ...hourly.map(
      ([model]) =>
        `- ${model.policy.name}: ${median(model.stats.ms).toFixed(0)} ms median (${Math.max(...model.stats.ms).toFixed(0)} ms at most) per hourly pass over all ` +
        `${PROVIDERS.toLocaleString('en')} identities on one core; ${model.stats.groups} simultaneous challenges naming ${model.stats.challenged} identities in ${HOURS} hours.`,
    ),
    '',
    `Fake hardware, caught by lone challenges in the same run: ${fakeCaught.length} of ${fakes.length} (${pct(fakeCaught.length / fakes.length)}); ` +
      `honest providers failing one: ${honestFailed.length}. A claim of up to twice the real cores on fast cores passes: the deadline allows 3 reference lane times so that 0.5× cores pass.`,
  ].join('\n');
}
