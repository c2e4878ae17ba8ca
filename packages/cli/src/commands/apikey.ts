import { IdlegridError } from '@idlegrid/protocol/light';
import {
  apiKeyName,
  connect,
  createStoredApiKey,
  loadApiKey,
  loadKey,
  readNetworkConfig,
} from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { formatTokens, parseAmount } from '../format.js';

interface CreateOptions {
  client: string;
  as?: string;
  cap: string;
  days: string;
}

export function registerApiKeyCommands(apikey: Command): void {
  apikey
    .command('create')
    .description("authorize a new session key on-chain for a client's channel, and print its API key")
    .option('--client <name>', 'key file of the client whose deposit pays', 'client')
    .option('--as <name>', 'key file for the session key (default: <client>-api)')
    .option('--cap <grid>', 'most the key may ever spend, in GRID', '100')
    .option('--days <n>', 'days until the key expires', '30')
    .action(async (options: CreateOptions, command: Command) => {
      const { config, out } = await contextOf(command);
      const days = Number(options.days);
      if (!Number.isFinite(days) || days <= 0) {
        throw new IdlegridError(
          'INVALID_ARGUMENT',
          `--days must be a positive number, got "${options.days}"`,
        );
      }
      const cap = parseAmount(options.cap, '--cap');
      const client = await loadKey(config.dataDir, options.client);
      const expiry = BigInt(Math.floor(Date.now() / 1000 + days * 86_400));
      const ctx = connect(await readNetworkConfig(config.dataDir), client);
      const keyName = options.as ?? apiKeyName(options.client);
      const created = await createStoredApiKey(ctx, config.dataDir, keyName, { cap, expiry }).catch(
        (error: unknown) => {
          if (!(error instanceof IdlegridError && error.code === 'KEY_EXISTS')) throw error;
          throw new IdlegridError('KEY_EXISTS', `an API key named "${keyName}" already exists`, {
            details: {
              name: keyName,
              hint: `show it with: idlegrid apikey show --client ${options.client}, or make another with --as NAME`,
            },
          });
        },
      );
      out.result({ ...created, client: client.address, cap: cap.toString(), expiry: expiry.toString() }, () =>
        [
          `API key (keep it secret: it spends up to ${formatTokens(cap)} of ${client.address}'s deposit):`,
          created.apiKey,
          `use it as OPENAI_API_KEY with base URL <coordinator>/v1; it expires ${new Date(Number(expiry) * 1000).toISOString()}`,
        ].join('\n'),
      );
    });

  apikey
    .command('show')
    .description('print the API key of a session key file')
    .option('--client <name>', 'key file of the client', 'client')
    .option('--as <name>', 'key file of the session key (default: <client>-api)')
    .action(async (options: { client: string; as?: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const apiKey = await loadApiKey(
        config.dataDir,
        options.client,
        options.as ?? apiKeyName(options.client),
      );
      out.result({ apiKey }, () => apiKey);
    });
}
