import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import type { ReadContext } from '../jobs/context.js';

/** A provider's predicted drop-out risk, as `/v1/providers/:address` gives it (see the coordinator's failure predictor). */
export const dropoutRiskSchema = z.object({
  perHour: z.number(),
  usualPerHour: z.number(),
  rising: z.boolean(),
  risingSince: z.number().nullable(),
  reasons: z.array(z.object({ feature: z.string(), value: z.number(), contribution: z.number() })),
});

export type DropoutRisk = z.output<typeof dropoutRiskSchema>;

/** A hardware claim and what proof-of-hardware challenges made of it. */
export const hardwareClaimSchema = z.object({
  resource: z.enum(['cpu', 'gpu']),
  claimed: z.number(),
  status: z.enum(['unverified', 'verified', 'failed']),
  verifiedAt: z.number().optional(),
  consecutiveFailures: z.number(),
  /** What the scheduler counts of the claim: the cores its challenges proved, one core or no GPU once failed. */
  counted: z.number().optional(),
  /** The latest challenge: how long it took against its deadline, and why it failed. */
  last: z
    .looseObject({
      passed: z.boolean(),
      failure: z.string().optional(),
      elapsedMs: z.number(),
      deadlineMs: z.number(),
      referenceMs: z.number(),
      at: z.number(),
    })
    .nullable(),
});

export type HardwareClaim = z.output<typeof hardwareClaimSchema>;

const providerSchema = z.looseObject({
  address: z.string(),
  online: z.boolean(),
  activeJobs: z.number(),
  reputation: z.number(),
  jobsCompleted: z.number(),
  jobsFailed: z.number(),
  risk: dropoutRiskSchema,
  claims: z.array(hardwareClaimSchema).default([]),
});

export type ProviderStatus = z.output<typeof providerSchema>;

/** One provider as the coordinator sees it: online or not, its jobs, reputation and drop-out risk. */
export async function getProvider(ctx: ReadContext, address: string, options: RequestOptions = {}) {
  return parseAnswer(
    z.object({ provider: providerSchema }),
    await ctx.coordinator.getJson(`/v1/providers/${encodeURIComponent(address)}`, options),
    'provider',
  ).provider;
}

/** What each feature of the failure predictor means to an operator. */
const FEATURE_MEANING: Record<string, (value: number) => string> = {
  cpuLoad: (value) => `CPU load ${(value * 100).toFixed(0)}%`,
  memoryPressure: (value) => `memory ${(value * 100).toFixed(0)}% used`,
  hourSin: () => 'the time of day',
  hourCos: () => 'the time of day',
  pastDisconnects: (value) => `${Math.round(Math.expm1(value))} recent disconnect(s)`,
  newSession: () => 'a session that began lately',
  pastFailedJobs: (value) => `${Math.round(Math.expm1(value))} recent failed job(s)`,
};

/**
 * Advice in words: the risk, whether it rose above the provider's usual level and since when, and
 * what drives it, e.g. "drop-out risk 64% within the hour, usual 45%: rising since 10:42:03, because
 * of CPU load 98%".
 */
export function describeRisk(risk: DropoutRisk): string {
  const percent = (p: number) => `${(p * 100).toFixed(p < 0.1 ? 1 : 0)}%`;
  const head = `drop-out risk ${percent(risk.perHour)} within the hour, usual ${percent(risk.usualPerHour)}`;
  if (!risk.rising) return `${head}: steady`;
  const since = risk.risingSince === null ? '' : ` since ${new Date(risk.risingSince).toLocaleTimeString()}`;
  const why = [...new Set(risk.reasons.map((r) => FEATURE_MEANING[r.feature]?.(r.value) ?? r.feature))];
  return `${head}: rising${since}${why.length ? `, because of ${why.join(', ')}` : ''}`;
}

/** A hardware claim in a line: "8 cores: verified 12:00:03 (0.4 s of 0.9 s allowed)". */
export function describeClaim(claim: HardwareClaim): string {
  const what = claim.resource === 'cpu' ? `${claim.claimed} cores` : `${claim.claimed} GPU(s)`;
  const timing = claim.last
    ? ` (${(claim.last.elapsedMs / 1000).toFixed(1)} s of ${(claim.last.deadlineMs / 1000).toFixed(1)} s allowed)`
    : '';
  if (claim.status === 'verified') {
    const counted =
      claim.counted !== undefined && claim.counted < claim.claimed ? `, ${claim.counted} proven` : '';
    return `${what}: verified ${new Date(claim.verifiedAt ?? 0).toLocaleTimeString()}${counted}${timing}`;
  }
  if (claim.status === 'failed')
    return `${what}: failed ${claim.consecutiveFailures} challenges in a row, last ${claim.last?.failure ?? ''}${timing}`;
  return `${what}: unverified`;
}
