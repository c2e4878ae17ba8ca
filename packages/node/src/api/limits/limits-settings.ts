import { IdlegridError } from '@idlegrid/protocol/light';
import { z } from 'zod';
import { type ApiLimitsOptions, DEFAULT_API_LIMITS } from './api.js';

const count = z.number().int().positive();
const rate = { rate: z.number().positive(), burst: count };

/** The limits as configured (DIR/config.json `limits`, CLI flags, CoordinatorOptions): any part, the rest default. */
export const apiLimitsSettingsSchema = z
  .strictObject({
    enabled: z.boolean(),
    ip: z.strictObject(rate).partial(),
    client: z.strictObject({ ...rate, jobsPerDay: count }).partial(),
    apiKey: z.strictObject({ ...rate, tokensPerDay: count }).partial(),
    maxKeys: count,
    maxEventLoopDelayMs: z.number().positive(),
    maxPendingSubmissions: count,
    maxStreams: count,
    maxStreamsPerIp: count,
  })
  .partial();

export type ApiLimitsSettings = z.input<typeof apiLimitsSettingsSchema>;

/** Several settings, later ones over earlier ones, part by part (a flag over the file's value). */
export function mergeApiLimits(...all: (ApiLimitsSettings | undefined)[]): ApiLimitsSettings {
  const merged: ApiLimitsSettings = {};
  for (const settings of all) {
    if (!settings) continue;
    const { ip, client, apiKey, ...flat } = settings;
    Object.assign(merged, flat);
    if (ip) merged.ip = { ...merged.ip, ...ip };
    if (client) merged.client = { ...merged.client, ...client };
    if (apiKey) merged.apiKey = { ...merged.apiKey, ...apiKey };
  }
  return merged;
}

/** The settings over DEFAULT_API_LIMITS, validated: CONFIG_INVALID names each bad field. */
export function resolveApiLimits(settings: ApiLimitsSettings = {}): ApiLimitsOptions {
  const parsed = apiLimitsSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `limits.${issue.path.join('.')}: ${issue.message}`);
    throw new IdlegridError('CONFIG_INVALID', `invalid limits: ${issues.join('; ')}`, {
      details: { issues },
    });
  }
  const { ip, client, apiKey, ...flat } = parsed.data;
  return {
    ...DEFAULT_API_LIMITS,
    ...defined(flat),
    ip: { ...DEFAULT_API_LIMITS.ip, ...defined(ip) },
    client: { ...DEFAULT_API_LIMITS.client, ...defined(client) },
    apiKey: { ...DEFAULT_API_LIMITS.apiKey, ...defined(apiKey) },
  };
}

/** The fields that have a value (an explicit `undefined` leaves the default). */
function defined<T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
