import type { ApiLimitsSettings } from '@idlegrid/node';
import type { Command } from 'commander';

/** The limit flags of `coordinator start`, as commander parses them (strings; `limits` false with --no-limits). */
export interface LimitFlags {
  limits: boolean;
  ipRate?: string;
  ipBurst?: string;
  clientRate?: string;
  clientBurst?: string;
  clientJobsPerDay?: string;
  apiKeyRate?: string;
  apiKeyBurst?: string;
  apiKeyTokensPerDay?: string;
  limitMaxKeys?: string;
  maxEventLoopDelay?: string;
  maxPendingSubmissions?: string;
  maxStreams?: string;
  maxStreamsPerIp?: string;
}

/** Per-key rate limits, quotas and load shedding (docs/protocol.md, "Limits"); each overrides DIR/config.json's `limits`. */
export function limitOptions(command: Command): Command {
  return command
    .option('--no-limits', 'turn off rate limits, quotas and load shedding')
    .option('--ip-rate <n>', 'requests a second per remote IP (a batch counts its jobs; default 2000)')
    .option('--ip-burst <n>', 'requests one IP may send at once (default 10000)')
    .option('--client-rate <n>', 'signed jobs, cancels and payments a second per client (default 200)')
    .option('--client-burst <n>', 'of those, how many a client may send at once (default 10000)')
    .option('--client-jobs-per-day <n>', 'jobs a client may submit a day, UTC (default 1000000)')
    .option('--api-key-rate <n>', 'OpenAI requests a second per API key (default 20)')
    .option('--api-key-burst <n>', 'OpenAI requests an API key may send at once (default 100)')
    .option('--api-key-tokens-per-day <n>', 'tokens an API key may use a day, UTC (default 10000000)')
    .option('--limit-max-keys <n>', 'keys each limiter remembers (default 100000)')
    .option(
      '--max-event-loop-delay <ms>',
      'shed requests (503) while the event loop lags more (default 2000)',
    )
    .option(
      '--max-pending-submissions <n>',
      'jobs received and not yet stored before more are shed (default 10000)',
    )
    .option('--max-streams <n>', 'open event streams in total (default 5000)')
    .option('--max-streams-per-ip <n>', 'open event streams per remote IP (default 256)');
}

/** The flags given, as limit settings; resolveApiLimits validates them (CONFIG_INVALID). */
export function limitSettingsOf(flags: LimitFlags): ApiLimitsSettings {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const parts = <T extends Record<string, number | undefined>>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<
      Record<keyof T, number>
    >;
  return {
    ...(flags.limits ? {} : { enabled: false }),
    ip: parts({ rate: number(flags.ipRate), burst: number(flags.ipBurst) }),
    client: parts({
      rate: number(flags.clientRate),
      burst: number(flags.clientBurst),
      jobsPerDay: number(flags.clientJobsPerDay),
    }),
    apiKey: parts({
      rate: number(flags.apiKeyRate),
      burst: number(flags.apiKeyBurst),
      tokensPerDay: number(flags.apiKeyTokensPerDay),
    }),
    ...parts({
      maxKeys: number(flags.limitMaxKeys),
      maxEventLoopDelayMs: number(flags.maxEventLoopDelay),
      maxPendingSubmissions: number(flags.maxPendingSubmissions),
      maxStreams: number(flags.maxStreams),
      maxStreamsPerIp: number(flags.maxStreamsPerIp),
    }),
  };
}
