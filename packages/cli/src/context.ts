import { loadConfig, type NodeConfig } from '@idlegrid/node';
import type { Command } from 'commander';
import { Output } from './output.js';

export interface GlobalOptions {
  dataDir?: string;
  rpcUrl?: string;
  json?: boolean;
}

export interface CommandContext {
  config: NodeConfig;
  out: Output;
}

/** Resolves the configuration and output mode shared by every command. */
export async function contextOf(
  command: Command,
  extra: Partial<Record<keyof NodeConfig, string | number>> = {},
) {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const out = new Output(globals.json === true);
  const config = await loadConfig({ flags: { dataDir: globals.dataDir, rpcUrl: globals.rpcUrl, ...extra } });
  return { config, out } satisfies CommandContext;
}

/** Runs until SIGINT/SIGTERM, then resolves so the caller can shut down cleanly. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
