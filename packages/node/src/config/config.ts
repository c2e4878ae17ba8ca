import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol/light';
import { z } from 'zod';
import { apiLimitsSettingsSchema } from '../api/limits/limits-settings.js';
import { resolveDataDir } from './data-dir.js';

/** Everything a node reads from flags, environment and DIR/config.json, validated once. */
const configSchema = z.strictObject({
  dataDir: z.string().min(1),
  /** External JSON-RPC endpoint; without it the embedded chain runs. */
  rpcUrl: z.url().optional(),
  /** Port of the embedded chain's JSON-RPC server (0 picks a free one). */
  chainPort: z.number().int().min(0).max(65_535),
  /** Seconds between dumps of the embedded chain's state to disk. */
  chainStateIntervalSeconds: z.number().int().positive(),
  /** Hex private key that deploys to an external chain; never stored in the repo or config file. */
  deployerKey: z.string().optional(),
  /** A coordinator's per-key rate limits, quotas and load shedding (docs/protocol.md, "Limits"); flags override each part. */
  limits: apiLimitsSettingsSchema.optional(),
  /**
   * How the Governor deployed with the contracts runs (docs/governance.md); each part defaults
   * to minutes on the embedded chain and days on an external one. Only read when deploying.
   */
  governance: z
    .strictObject({
      votingDelaySeconds: z.number().int().min(0),
      votingPeriodSeconds: z.number().int().positive(),
      timelockDelaySeconds: z.number().int().min(0),
      /** Votes a proposer needs, in whole GRID. */
      proposalThresholdGrid: z.number().int().min(0),
      quorumPercent: z.number().int().min(0).max(100),
    })
    .partial()
    .optional(),
});

export type NodeConfig = z.output<typeof configSchema>;

type ExtraSettings = 'limits' | 'governance';
const fileSchema = configSchema.omit({ dataDir: true, deployerKey: true }).partial();

export interface ConfigSources {
  flags?: Partial<Record<Exclude<keyof NodeConfig, ExtraSettings>, string | number | undefined>>;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULTS = { chainPort: 8545, chainStateIntervalSeconds: 5 } as const;

/** Resolves the configuration: flags > environment > DIR/config.json > defaults. */
export async function loadConfig({ flags = {}, env = process.env }: ConfigSources = {}): Promise<NodeConfig> {
  const dataDir = resolveDataDir(flags.dataDir === undefined ? undefined : String(flags.dataDir), env);
  const file = await readConfigFile(join(dataDir, 'config.json'));
  const pick = (...values: unknown[]) => values.find((value) => value !== undefined && value !== '');
  const numeric = (value: unknown) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  const candidate = {
    dataDir,
    rpcUrl: pick(flags.rpcUrl, env.RPC_URL, file.rpcUrl),
    chainPort: numeric(pick(flags.chainPort, env.IDLEGRID_CHAIN_PORT, file.chainPort, DEFAULTS.chainPort)),
    chainStateIntervalSeconds: numeric(
      pick(
        flags.chainStateIntervalSeconds,
        file.chainStateIntervalSeconds,
        DEFAULTS.chainStateIntervalSeconds,
      ),
    ),
    deployerKey: pick(flags.deployerKey, env.IDLEGRID_DEPLOYER_KEY),
    limits: file.limits,
    governance: file.governance,
  };
  const parsed = configSchema.safeParse(
    Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)),
  );
  if (!parsed.success) throw invalid(parsed.error.issues);
  return parsed.data;
}

async function readConfigFile(path: string): Promise<z.output<typeof fileSchema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new IdlegridError('CONFIG_INVALID', `${path} is not valid JSON`, { cause });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error.issues, path);
  return parsed.data;
}

function invalid(issues: z.core.$ZodIssue[], source = 'configuration'): IdlegridError {
  const lines = issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return new IdlegridError('CONFIG_INVALID', `invalid ${source}: ${lines.join('; ')}`, {
    details: { issues: lines },
  });
}
