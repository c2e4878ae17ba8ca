import { performance } from 'node:perf_hooks';
import { costPerSecond } from '../market/pricing.js';
import type { PolicyName } from '../scheduler/api.js';
import { FAILURE_FEATURES } from '../scheduler/failure-predictor.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { EventQueue } from './event-queue.js';
import { Random } from './random.js';
import type { SimJob } from './workload.js';
import { latencyMs, localHour, type SimProvider, telemetryOf, trueHazard } from './world.js';

export interface SimSettings {
  policy: PolicyName;
  seed: number;
  heartbeatMs: number;
  /** How long a vanished provider goes unnoticed. */
  detectionMs: number;
  /** Mean time a vanished provider stays away. */
  meanDowntimeMs: number;
  maxAttempts: number;
  /** Waiting jobs are offered to the scheduler again this often. */
  requeueMs: number;
  /** The chain's stake floor: a provider takes a job only with its max price this many times staked (default none). */
  stakeFactor?: number;
  /**
   * Stop at this time even if jobs remain (default: when every job finished or failed). Needed
   * when some jobs can never be placed, as under a stake floor no provider meets.
   */
  horizonMs?: number;
}

export interface SimResult {
  policy: PolicyName;
  jobs: number;
  completedOnTime: number;
  late: number;
  failed: number;
  neverPlaced: number;
  completionSeconds: number[];
  cost: number;
  usefulCoreHours: number;
  wastedCoreHours: number;
  attemptsLost: number;
  placements: number;
  placementMs: number;
  unmatchedTries: number;
  crashes: number;
  /** Run time on the chosen provider, as predicted at placement and as it came out (the last 2,000 placements). */
  predictions: { predicted: number; actual: number }[];
  /** What the failure model learned: each feature's weight in the log-odds of dropping out. */
  failureWeights: Record<string, number>;
}

type SimEvent =
  | { type: 'arrive'; job: SimJob }
  | { type: 'finish'; job: SimJob; token: number }
  | { type: 'crash'; provider: SimProvider }
  | { type: 'detect'; provider: SimProvider }
  | { type: 'recover'; provider: SimProvider }
  | { type: 'window'; provider: SimProvider; open: boolean }
  | { type: 'heartbeat' }
  | { type: 'requeue' };

interface ProviderState {
  alive: boolean;
  open: boolean;
  jobMemoryMb: number;
  running: Set<string>;
}

interface Attempt {
  provider: SimProvider;
  startedAt: number;
  token: number;
  runSeconds: number;
  predictedSeconds: number;
}

/**
 * Plays a workload on a population of providers, with the real `Scheduler` (the coordinator's
 * class) making every placement. Providers vanish at a rate their telemetry reveals, come back
 * after a while, and night-only machines leave and join with their local day. A vanished
 * provider's jobs are noticed after `detectionMs` and retried; their run so far is wasted.
 */
export function simulate(providers: SimProvider[], jobs: SimJob[], settings: SimSettings): SimResult {
  const random = new Random(settings.seed);
  const scheduler = new Scheduler({
    policy: settings.policy,
    stakeFactor: settings.stakeFactor ?? 0,
    heartbeatMs: settings.heartbeatMs,
    detectionMs: settings.detectionMs,
    resortMs: 300_000,
    random: new Random(settings.seed + 1).next,
    latencyMs: (job, profile) => latencyMs(job.clientRegion ?? profile.region, profile.region),
  });
  const events = new EventQueue<SimEvent>();
  const byAddress = new Map(providers.map((p) => [p.profile.address, p]));
  const states = new Map<SimProvider, ProviderState>();
  const attempts = new Map<string, Attempt>();
  const tries = new Map<string, number>();
  const excluded = new Map<string, Set<string>>();
  const waiting = new Set<SimJob>();
  const result: SimResult = {
    policy: settings.policy,
    jobs: jobs.length,
    completedOnTime: 0,
    late: 0,
    failed: 0,
    neverPlaced: 0,
    completionSeconds: [],
    cost: 0,
    usefulCoreHours: 0,
    wastedCoreHours: 0,
    attemptsLost: 0,
    placements: 0,
    placementMs: 0,
    unmatchedTries: 0,
    crashes: 0,
    predictions: [],
    failureWeights: {},
  };
  let token = 0;
  let unfinished = jobs.length;

  for (const provider of providers) {
    const open = !provider.nightOnly || isNight(provider, 0);
    states.set(provider, { alive: true, open, jobMemoryMb: 0, running: new Set() });
    scheduler.upsertProvider(provider.profile, 0);
    if (!open) scheduler.setOffline(provider.profile.address, 0, false);
    if (provider.nightOnly) scheduleWindow(provider, 0);
  }
  for (const job of jobs) events.push(job.submittedAt, { type: 'arrive', job });
  events.push(0, { type: 'heartbeat' });
  events.push(settings.requeueMs, { type: 'requeue' });

  function scheduleWindow(provider: SimProvider, now: number): void {
    // The next whole local hour at which night starts (19:00) or ends (08:00).
    const hour = localHour(provider.profile.region, now);
    const open = isNight(provider, now);
    const target = open ? 8 : 19;
    const hoursAhead = (target - hour + 24) % 24 || 24;
    events.push(now + hoursAhead * 3_600_000, { type: 'window', provider, open: !open });
  }

  function place(job: SimJob, now: number): void {
    for (;;) {
      const started = performance.now();
      const outcome = scheduler.place(job.request, now, excluded.get(job.request.id));
      result.placementMs += performance.now() - started;
      result.placements++;
      if (!outcome.placed) {
        result.unmatchedTries++;
        waiting.add(job);
        return;
      }
      waiting.delete(job);
      const provider = byAddress.get(outcome.provider)!;
      const state = states.get(provider)!;
      if (!state.alive) {
        // The assignment to a machine that is gone times out: try elsewhere at once.
        scheduler.release(job.request.id);
        const set = excluded.get(job.request.id) ?? new Set();
        set.add(provider.profile.address);
        excluded.set(job.request.id, set);
        continue;
      }
      const speed = job.gpu ? provider.gpuSpeed : provider.cpuSpeed;
      const runSeconds = job.work / speed;
      const transfer = (2 * latencyMs(job.request.clientRegion ?? '', provider.profile.region)) / 1000;
      const attempt = {
        provider,
        startedAt: now,
        token: ++token,
        runSeconds,
        predictedSeconds: outcome.decision.chosen.expectedRunSeconds,
      };
      attempts.set(job.request.id, attempt);
      state.running.add(job.request.id);
      state.jobMemoryMb += job.request.memoryMb;
      events.push(now + 1000 * (transfer + runSeconds), { type: 'finish', job, token: attempt.token });
      return;
    }
  }

  function endAttempt(job: SimJob): Attempt | undefined {
    const attempt = attempts.get(job.request.id);
    if (!attempt) return undefined;
    attempts.delete(job.request.id);
    const state = states.get(attempt.provider)!;
    state.running.delete(job.request.id);
    state.jobMemoryMb -= job.request.memoryMb;
    return attempt;
  }

  const jobById = new Map(jobs.map((job) => [job.request.id, job]));

  const horizon = settings.horizonMs ?? Number.POSITIVE_INFINITY;
  for (let next = events.pop(); next && unfinished > 0 && next.time <= horizon; next = events.pop()) {
    const { time: now, event } = next;
    switch (event.type) {
      case 'arrive':
        tries.set(event.job.request.id, 1);
        place(event.job, now);
        break;
      case 'finish': {
        const { job } = event;
        if (attempts.get(job.request.id)?.token !== event.token) break;
        const attempt = endAttempt(job)!;
        scheduler.recordCompletion(job.request.id, attempt.runSeconds);
        const cost = costPerSecond(attempt.provider.profile.prices, job.request) * attempt.runSeconds;
        result.cost += Math.min(cost, job.request.maxPrice);
        result.usefulCoreHours += (attempt.runSeconds * job.request.cpuCores) / 3600;
        if (now <= job.deadline) {
          result.completedOnTime++;
          result.completionSeconds.push((now - job.submittedAt) / 1000);
        } else {
          result.late++;
        }
        result.predictions.push({ predicted: attempt.predictedSeconds, actual: attempt.runSeconds });
        if (result.predictions.length > 2_000) result.predictions.shift();
        unfinished--;
        break;
      }
      case 'crash': {
        const state = states.get(event.provider)!;
        if (!state.alive) break;
        state.alive = false;
        result.crashes++;
        for (const id of [...state.running]) {
          const attempt = endAttempt(jobById.get(id)!)!;
          result.wastedCoreHours +=
            ((now - attempt.startedAt) / 3_600_000) * jobById.get(id)!.request.cpuCores;
          result.attemptsLost++;
        }
        events.push(now + settings.detectionMs, { type: 'detect', provider: event.provider });
        events.push(now + random.exponential(settings.meanDowntimeMs), {
          type: 'recover',
          provider: event.provider,
        });
        break;
      }
      case 'detect': {
        for (const id of scheduler.setOffline(event.provider.profile.address, now, true)) {
          // Placed there after a quick reboot, and running: not lost.
          if (attempts.has(id)) continue;
          scheduler.release(id);
          const job = jobById.get(id)!;
          const attempt = (tries.get(id) ?? 1) + 1;
          tries.set(id, attempt);
          if (attempt > settings.maxAttempts) {
            result.failed++;
            unfinished--;
          } else {
            place(job, now);
          }
        }
        // Back already (a quick reboot): it said hello again, holding none of its old jobs.
        const state = states.get(event.provider)!;
        if (state.alive && state.open) scheduler.setOnline(event.provider.profile.address, now);
        break;
      }
      case 'recover': {
        const state = states.get(event.provider)!;
        state.alive = true;
        if (state.open) scheduler.setOnline(event.provider.profile.address, now);
        break;
      }
      case 'window': {
        const state = states.get(event.provider)!;
        state.open = event.open;
        // Leaving at dawn is announced: running jobs finish, no new ones come.
        if (!event.open) scheduler.setOffline(event.provider.profile.address, now, false);
        else if (state.alive) scheduler.setOnline(event.provider.profile.address, now);
        scheduleWindow(event.provider, now + 60_000);
        break;
      }
      case 'heartbeat':
        for (const provider of providers) {
          const state = states.get(provider)!;
          if (!state.alive || (!state.open && state.running.size === 0)) continue;
          const telemetry = telemetryOf(provider, now, state.jobMemoryMb, random);
          if (state.open) scheduler.recordTelemetry(provider.profile.address, telemetry, now);
          const vanish = 1 - Math.exp(-trueHazard(provider, telemetry) * (settings.heartbeatMs / 1000));
          if (random.next() < vanish) {
            events.push(now + random.next() * settings.heartbeatMs, { type: 'crash', provider });
          }
        }
        events.push(now + settings.heartbeatMs, { type: 'heartbeat' });
        break;
      case 'requeue':
        for (const job of [...waiting]) place(job, now);
        events.push(now + settings.requeueMs, { type: 'requeue' });
        break;
    }
  }
  result.neverPlaced = waiting.size;
  result.failureWeights = Object.fromEntries(
    FAILURE_FEATURES.map((name, i) => [name, scheduler.failures.weights[i]!]),
  );
  return result;
}

function isNight(provider: SimProvider, utcMs: number): boolean {
  const hour = localHour(provider.profile.region, utcMs);
  return hour >= 19 || hour < 8;
}
