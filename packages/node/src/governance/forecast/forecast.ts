import { DEFAULT_VERIFICATION } from '../../coordinator/job-intake.js';
import { Random } from '../../sim/random.js';
import { simulate } from '../../sim/simulate.js';
import { simulateVerification } from '../../sim/verification-sim.js';
import { generateJobs } from '../../sim/workload.js';
import { generateProviders } from '../../sim/world.js';
import { formatVerification, type VerificationPolicy } from '../../verify/policy.js';
import type { NetworkParameterValues } from '../api.js';

/** How big a world the forecast plays, and with which seed: the same inputs give the same forecast. */
export interface ForecastSettings {
  seed: number;
  providers: number;
  /** Jobs of the marketplace run, submitted over `spanHours`. */
  jobs: number;
  spanHours: number;
  /** Jobs of the verification run, and the share of its providers that cheat. */
  verificationJobs: number;
  adversarialShare: number;
}

export const FORECAST_DEFAULTS: ForecastSettings = {
  seed: 7,
  providers: 300,
  jobs: 3_000,
  spanHours: 6,
  verificationJobs: 6_000,
  adversarialShare: 0.1,
};

/** What the network looks like under one set of parameters. Money is per job, in the simulator's price units. */
export interface Outlook {
  /** What a client pays per job placed, its verification's extra runs included. */
  clientCostPerJob: number;
  /** What providers keep of it after the protocol fee. */
  providerEarningsPerJob: number;
  treasuryPerJob: number;
  /** Share of jobs the market placed and finished (a higher stake floor leaves some without a provider). */
  jobsServed: number;
  /** Extra runs per job that verification costs (audits, replicas, canaries). */
  verificationOverhead: number;
  /** Share of jobs whose wrong answer was accepted. */
  wrongAccepted: number;
  /** Probability that a wrong answer gets its provider slashed on that job. */
  catchProbability: number;
  /** Share of those slashes that come after the cheater's stake could have left (the unbonding delay). */
  slashEscape: number;
  /**
   * What cheating on a job gains over doing it honestly, as a share of the job's value, when
   * skipping the work saves its whole price (verify/economics.ts). Negative: cheating loses.
   */
  cheatingGain: number;
  /** A challenger's reward for a proven cheat, as a share of the job's value. */
  challengerReward: number;
}

export interface Forecast {
  version: 1;
  settings: ForecastSettings;
  now: { parameters: NetworkParameterValues; outlook: Outlook };
  proposed: { parameters: NetworkParameterValues; outlook: Outlook };
}

/**
 * Runs the marketplace and the verification simulators (sim/) under the parameters as they
 * are and as the proposal would set them. Providers are assumed to stake what today's floor
 * asks of a large job (the 90th percentile of prices), with a wide spread, so a higher floor
 * shows up as jobs fewer providers can take. Every run, audits included, is assumed paid at
 * its provider's price.
 */
export function forecastChange(
  now: NetworkParameterValues,
  proposed: NetworkParameterValues,
  settings: ForecastSettings = FORECAST_DEFAULTS,
): Forecast {
  const stakeBasis = now.stakeFloorMultiplier;
  return {
    version: 1,
    settings,
    now: { parameters: now, outlook: outlookOf(now, stakeBasis, settings) },
    proposed: { parameters: proposed, outlook: outlookOf(proposed, stakeBasis, settings) },
  };
}

function outlookOf(params: NetworkParameterValues, stakeBasis: number, settings: ForecastSettings): Outlook {
  const market = runMarket(params.stakeFloorMultiplier, stakeBasis, settings);
  const checks = simulateVerification({
    providers: settings.providers,
    jobs: settings.verificationJobs,
    adversarialShare: settings.adversarialShare,
    policy: params.defaultVerification,
    placement: 'random',
    seed: settings.seed,
  });
  const overhead = checks.runs / checks.jobs - 1;
  const clientCostPerJob = market.costPerJob * (1 + overhead);
  const fee = params.feeBps / 10_000;
  const caught = checks.wrongFirstAnswers ? checks.wrongFirstAnswersSlashed / checks.wrongFirstAnswers : 0;
  // How long each caught cheater ran before its slash, at the market's pace of jobs per provider.
  const hoursPerJob = market.jobsPerProviderHour > 0 ? 1 / market.jobsPerProviderHour : 0;
  const slashHours = Object.values(checks.byCheat).flatMap((entry) =>
    entry.jobsUntilSlashed.map((jobs) => jobs * hoursPerJob),
  );
  const delayHours = params.unbondingDelaySeconds / 3_600;
  const escaped = slashHours.length ? slashHours.filter((h) => h > delayHours).length / slashHours.length : 0;
  // Per unit of job value, saving the whole job: (1 - P) - P * slash, the slash reduced by escapes.
  const slash = params.stakeFloorMultiplier * (1 - escaped);
  return {
    clientCostPerJob,
    providerEarningsPerJob: clientCostPerJob * (1 - fee),
    treasuryPerJob: clientCostPerJob * fee,
    jobsServed: market.served,
    verificationOverhead: overhead,
    wrongAccepted: checks.wrongAccepted / checks.jobs,
    catchProbability: caught,
    slashEscape: escaped,
    cheatingGain: 1 - caught - caught * slash,
    challengerReward: (params.challengerShareBps / 10_000) * params.stakeFloorMultiplier,
  };
}

/** The marketplace run: the real Scheduler placing a synthetic workload under a stake floor. */
function runMarket(floor: number, stakeBasis: number, settings: ForecastSettings) {
  const random = new Random(settings.seed + 2);
  const jobs = generateJobs(settings.jobs, settings.spanHours * 3_600_000, new Random(settings.seed + 1));
  const prices = jobs.map((job) => job.request.maxPrice).sort((a, b) => a - b);
  const large = prices[Math.floor(prices.length * 0.9)] ?? 0;
  const providers = generateProviders(settings.providers, new Random(settings.seed)).map((provider) => ({
    ...provider,
    profile: { ...provider.profile, stake: stakeBasis * large * random.lognormal(0.75) },
  }));
  const result = simulate(providers, jobs, {
    policy: 'learned',
    seed: settings.seed + 3,
    heartbeatMs: 300_000,
    detectionMs: 60_000,
    meanDowntimeMs: 2 * 3_600_000,
    maxAttempts: 5,
    // Jobs no provider can take wait; offering them every 10 min, not 15 s, keeps a forecast to a second.
    requeueMs: 600_000,
    stakeFactor: floor,
    horizonMs: (settings.spanHours + 6) * 3_600_000,
  });
  const served = result.completedOnTime + result.late;
  return {
    costPerJob: served ? result.cost / served : 0,
    served: served / result.jobs,
    jobsPerProviderHour: served / settings.providers / settings.spanHours,
  };
}

/** The policy a forecast names, as people write it. */
export const policyName = (policy: VerificationPolicy) =>
  policy.kind === 'canary' && policy.probability === undefined
    ? `canary(${DEFAULT_VERIFICATION.canaryRate})`
    : formatVerification(policy);
