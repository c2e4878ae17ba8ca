import { IdlegridError } from '@idlegrid/protocol/light';
import { apiKeyName, loadApiKey, readNetworkConfig } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorUrl } from '../coordinator-url.js';
import { parseAmount } from '../format.js';
import { agentContext, serveHttp, serveStdio } from '../mcp/agent-server.js';

interface McpFlags {
  apiKey?: string;
  client: string;
  http?: string;
  host: string;
  maxPerCall: string;
  maxPerDay: string;
  runtimes?: string;
  models?: string;
  name: string;
  coordinator?: string[];
}

const list = (text: string | undefined) =>
  text
    ? text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

export function registerMcpCommand(command: Command): void {
  command
    .option('--http <port>', 'serve streamable HTTP on this port (0: any) instead of stdio')
    .option('--host <host>', 'with --http, the address to listen on', '127.0.0.1')
    .option(
      '--api-key <key>',
      "the agent's wallet: an API key (or IDLEGRID_API_KEY; default: the key file <client>-api)",
    )
    .option('--client <name>', 'whose API key file to use', 'client')
    .option('--max-per-call <grid>', 'most one call may cost', '1')
    .option('--max-per-day <grid>', 'most all calls of a day may cost', '10')
    .option('--runtimes <list>', 'runtimes it may run jobs on, comma-separated (default: any)')
    .option('--models <list>', 'models it may use, comma-separated (default: any)')
    .option('--name <name>', "the agent's name: its spending is kept in DATA_DIR/agents/NAME.json", 'agent')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .action(async (flags: McpFlags, command: Command) => {
      const { config } = await contextOf(command);
      const perCall = parseAmount(flags.maxPerCall, '--max-per-call');
      const perDay = parseAmount(flags.maxPerDay, '--max-per-day');
      if (perCall > perDay)
        throw new IdlegridError('INVALID_ARGUMENT', '--max-per-call is more than --max-per-day');
      const agent = agentContext({
        dataDir: config.dataDir,
        network: await readNetworkConfig(config.dataDir),
        coordinatorUrl: await coordinatorUrl(config.dataDir, flags.coordinator),
        apiKey:
          flags.apiKey ??
          process.env.IDLEGRID_API_KEY ??
          (await loadApiKey(config.dataDir, flags.client, apiKeyName(flags.client))),
        policy: { perCall, perDay, runtimes: list(flags.runtimes), models: list(flags.models) },
        name: flags.name,
      });
      if (flags.http === undefined) return serveStdio(agent);
      const { url, server } = await serveHttp(agent, { host: flags.host, port: Number(flags.http) });
      // The one line on stdout: where the server listens (with --json, as JSON).
      process.stdout.write(
        `${command.optsWithGlobals<{ json?: boolean }>().json ? JSON.stringify({ url }) : url}\n`,
      );
      await untilInterrupted();
      server.close();
    });
}
