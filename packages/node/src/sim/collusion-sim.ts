import { AgreementGraph, type CheckedJob } from '../integrity/collusion/agreement-graph.js';
import { detectRings } from '../integrity/collusion/detect-rings.js';
import { CollusionFindings } from '../integrity/collusion/findings.js';
import { detectWashTrading } from '../integrity/wash-trading/detect-wash-trading.js';
import type { JobRequest } from '../scheduler/api.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { exactComparator, verdict } from '../verify/compare.js';
import { type Detection, detection, emptyDetection, herfindahl } from './detection-score.js';
import { MarketMoney } from './market-money.js';
import { Random } from './random.js';
import { manifestOf, SIM_TASK } from './verification-sim.js';
import { generateProviders } from './world.js';

export interface CollusionSimOptions {
  providers: number;
  /** Share of providers in colluding rings, and the size of each ring. */
  ringShare: number;
  ringSize: number;
  /** Ring members' prices, as a share of what their machines would ask: they undercut to get work. */
  ringPrice: number;
  /** Honest clients, and how many wash traders besides, each with its own providers. */
  clients: number;
  washTraders: number;
  providersPerWashTrader: number;
  jobs: number;
  /** Detection runs after each round (jobs / rounds jobs). */
  rounds: number;
  /** Whether placement keeps suspected ring members apart once found. */
  keepApart: boolean;
  seed: number;
}

export interface CollusionSimResult {
  colluders: number;
  activeColluders: number;
  washTraders: number;
  jobs: number;
  /** Jobs in which a ring held two or more runs (and so lied), and of those, after the ring was found. */
  ringJobs: number;
  ringJobsAfterDetection: number;
  /** Jobs whose accepted answer was a ring's wrong one, and the honest runs it outvoted. */
  wrongAccepted: number;
  honestOutvoted: number;
  rings: { detector: Detection; baseline: Detection };
  washTrading: { detector: Detection; baseline: Detection };
  /** The last round's detection pass over the whole history, ms: the agreement graph, and the payment graph (built and searched). */
  ringsMs: number;
  washMs: number;
  /** Pairs of providers that shared a checked job, and payments plus transfers, at the end. */
  agreementPairs: number;
  flows: number;
}

/**
 * A market with colluding rings and wash traders, placed by the real `Scheduler` and decided by
 * the real `verdict`. Half of the honest clients' jobs are `replicate(3)`; a ring answers one
 * shared wrong answer whenever its members hold two or more of a job's runs (arbiters that are
 * ring-mates join it), else it answers right; ring members undercut prices to get work. 2% of
 * honest providers are flaky (10% of their answers are wrong) and 1% run a stale runtime (20%
 * of their answers are the same wrong one, so two of them can agree against the majority).
 * Client sizes follow Zipf's law. A wash trader's jobs need a model
 * only its own providers hold; half of them get paid back through a mule, half share an owner
 * that funded them. Honest providers cash out to exchanges, honest clients buy there, and 1%
 * of honest accounts send tokens to an unrelated account each round. After each round both
 * detectors run on everything so far, and so does each baseline: the per-job majority check
 * (a provider that lost a verdict with another provider that gave the same answer) and spend
 * concentration (a client whose spend has a Herfindahl index of 0.25 or more).
 */
export function simulateCollusion(options: CollusionSimOptions): CollusionSimResult {
  const random = new Random(options.seed);
  const providers = generateProviders(options.providers, new Random(options.seed + 1)).map((p) => p.profile);
  const shuffled = [...providers].sort(() => random.next() - 0.5);
  const ringOf = new Map<string, number>();
  const ringCount = Math.round((options.providers * options.ringShare) / options.ringSize);
  for (let i = 0; i < ringCount * options.ringSize; i++) {
    const provider = shuffled[i]!;
    ringOf.set(provider.address, Math.floor(i / options.ringSize));
    provider.prices = { ...provider.prices, cpuSecond: provider.prices.cpuSecond * options.ringPrice };
  }
  const washOwner = new Map<string, number>();
  let next = ringCount * options.ringSize;
  for (let w = 0; w < options.washTraders; w++) {
    for (let i = 0; i < options.providersPerWashTrader; i++) {
      const provider = shuffled[next++]!;
      washOwner.set(provider.address, w);
      provider.models = [`wash-${w}`];
    }
  }
  const flaky = new Set(
    shuffled.slice(next, next + Math.round(0.02 * options.providers)).map((p) => p.address),
  );
  next += flaky.size;
  // Honest, but on an old runtime: their wrong answers are all the same, so two of them agree.
  const stale = new Set(
    shuffled.slice(next, next + Math.round(0.01 * options.providers)).map((p) => p.address),
  );
  const scheduler = new Scheduler({ policy: 'learned', random: random.next });
  for (const provider of providers) scheduler.upsertProvider(provider, 0);

  const clients = Array.from({ length: options.clients }, (_, i) => `client-${i}`);
  const money = new MarketMoney(
    random,
    clients,
    providers.map((p) => p.address),
    washOwner,
    options.washTraders,
  );
  // A few large clients and many small ones (Zipf): a small honest client pays few providers.
  const clientWeights = clients.map((_, i) => 1 / (i + 1));
  const totalWeight = clientWeights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  clientWeights.reduce((sum, weight) => {
    cumulative.push(sum + weight / totalWeight);
    return sum + weight / totalWeight;
  }, 0);
  const pickClient = () => {
    const draw = random.next();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < draw) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const graph = new AgreementGraph();
  const findings = new CollusionFindings();
  const inFlight: string[][] = [];
  const holdWindow = Math.round(options.providers * 0.6);
  const result: CollusionSimResult = {
    colluders: ringOf.size,
    activeColluders: 0,
    washTraders: options.washTraders,
    jobs: options.jobs,
    wrongAccepted: 0,
    ringJobs: 0,
    ringJobsAfterDetection: 0,
    honestOutvoted: 0,
    rings: { detector: emptyDetection(), baseline: emptyDetection() },
    washTrading: { detector: emptyDetection(), baseline: emptyDetection() },
    ringsMs: 0,
    washMs: 0,
    agreementPairs: 0,
    flows: 0,
  };
  const firstFlag = {
    ring: new Map<string, number>(),
    ringBaseline: new Map<string, number>(),
    wash: new Map<string, number>(),
    washBaseline: new Map<string, number>(),
  };
  const ringFound = new Set<number>();
  /** Colluders that lied at least once: the rest left no trace for any method to find. */
  const active = new Set<string>();
  const perRound = Math.ceil(options.jobs / options.rounds);
  let round = 0;

  for (let job = 0; job < options.jobs; job++) {
    const now = job * 100;
    const wash =
      random.next() < (options.washTraders * 20) / options.jobs ? random.int(0, options.washTraders - 1) : -1;
    const client = wash >= 0 ? `wash-${wash}` : clients[pickClient()]!;
    const replicas = wash >= 0 ? 2 : random.next() < 0.5 ? 3 : 1;
    const request: JobRequest = { ...SIM_TASK, id: `job-${job}`, model: wash >= 0 ? `wash-${wash}` : '' };
    const held: string[] = [];
    const runs: { provider: string; given: string }[] = [];
    const place = () => {
      const excluded = new Set(runs.map((r) => r.provider));
      if (options.keepApart) for (const mate of findings.keepApart(excluded)) excluded.add(mate);
      const id = `${request.id}/${runs.length}`;
      const outcome = scheduler.place({ ...request, id }, now, excluded);
      if (!outcome.placed) return false;
      held.push(id);
      // A ring-mate called in to arbitrate joins the answer its mates gave.
      const ring = ringOf.get(outcome.provider);
      const mate = runs.find((r) => ring !== undefined && ringOf.get(r.provider) === ring);
      const given =
        mate?.given ??
        (flaky.has(outcome.provider) && random.next() < 0.1
          ? `wrong-${job}-${runs.length}`
          : stale.has(outcome.provider) && random.next() < 0.2
            ? `stale-${job}`
            : `right-${job}`);
      runs.push({ provider: outcome.provider, given });
      return true;
    };
    for (let i = 0; i < replicas; i++) place();
    // Replicas are assigned together: ring members that hold two or more of them share one wrong answer.
    const ringsHere = new Map<number, number>();
    for (const run of runs) {
      const ring = ringOf.get(run.provider);
      if (ring !== undefined) ringsHere.set(ring, (ringsHere.get(ring) ?? 0) + 1);
    }
    for (const run of runs) {
      const ring = ringOf.get(run.provider);
      if (ring !== undefined && (ringsHere.get(ring) ?? 0) >= 2) run.given = `ring-${job}`;
    }
    for (const [ring, count] of ringsHere) {
      if (count < 2) continue;
      result.ringJobs++;
      if (ringFound.has(ring)) result.ringJobsAfterDetection++;
    }
    let accepted: { winner: string; agreeing: string[]; dissenting: string[] } | undefined;
    for (;;) {
      const decided = verdict(
        runs.map((run) => ({ run, manifest: manifestOf(run.given) })),
        exactComparator,
      );
      if (decided) {
        accepted = {
          winner: decided.winner.run.given,
          agreeing: decided.agreeing.map((a) => a.run.provider),
          dissenting: decided.dissenting.map((d) => d.run.provider),
        };
        break;
      }
      if (runs.length >= 7 || !place()) break;
    }
    for (const run of runs) if (run.given === `ring-${job}`) active.add(run.provider);
    inFlight.push(held);
    if (inFlight.length > holdWindow) for (const id of inFlight.shift()!) scheduler.release(id);
    if (runs.length > 1)
      graph.add({
        jobId: request.id,
        runs: runs.map((r) => ({ provider: r.provider, outcome: r.given })),
      } satisfies CheckedJob);
    if (accepted) {
      if (accepted.winner === `ring-${job}`) {
        result.wrongAccepted++;
        result.honestOutvoted += accepted.dissenting.filter((p) => !ringOf.has(p)).length;
      }
      for (const provider of accepted.agreeing) money.pay(client, provider, 1000n);
      // Baseline: lost a verdict together with another run that gave the same answer.
      const losers = runs.filter((r) => accepted.dissenting.includes(r.provider));
      for (const loser of losers) {
        if (
          losers.filter((other) => other.given === loser.given).length >= 2 &&
          !firstFlag.ringBaseline.has(loser.provider)
        )
          firstFlag.ringBaseline.set(loser.provider, round + 1);
      }
    }

    if ((job + 1) % perRound !== 0 && job + 1 !== options.jobs) continue;
    round++;
    money.endRound(round);
    const started = performance.now();
    const rings = detectRings(graph);
    const between = performance.now();
    const washing = detectWashTrading(money.graph());
    result.ringsMs = between - started;
    result.washMs = performance.now() - between;
    result.agreementPairs = graph.pairs.size;
    result.flows = money.flowCount;
    findings.update({ scannedAt: now, rings, washTrading: washing });
    for (const ring of rings) {
      for (const member of ring.members) {
        if (!firstFlag.ring.has(member)) firstFlag.ring.set(member, round);
        const truth = ringOf.get(member);
        if (truth !== undefined) ringFound.add(truth);
      }
    }
    for (const suspect of washing)
      if (!firstFlag.wash.has(suspect.client)) firstFlag.wash.set(suspect.client, round);
    for (const [client, hhi] of herfindahl(money.paid))
      if (hhi >= 0.25 && !firstFlag.washBaseline.has(client)) firstFlag.washBaseline.set(client, round);
  }
  const isColluder = (p: string) => ringOf.has(p);
  const isWash = (c: string) => c.startsWith('wash-');
  result.activeColluders = active.size;
  result.rings.detector = detection(firstFlag.ring, isColluder, ringOf.size, active);
  result.rings.baseline = detection(firstFlag.ringBaseline, isColluder, ringOf.size, active);
  result.washTrading.detector = detection(firstFlag.wash, isWash, options.washTraders);
  result.washTrading.baseline = detection(firstFlag.washBaseline, isWash, options.washTraders);
  return result;
}
