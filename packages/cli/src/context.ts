import type { NodeConfig } from '@idlegrid/node/config';
import { resolveDataDir } from '@idlegrid/node/data-dir';
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

/**
 * The data directory and output mode alone, without reading or validating the configuration
 * (which loads the validation stack): for commands that only touch key files.
 */
export function dataDirOf(command: Command): { dataDir: string; out: Output } {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return { dataDir: resolveDataDir(globals.dataDir), out: new Output(globals.json === true) };
}

/** Resolves the configuration and output mode shared by every command. */
export async function contextOf(
  command: Command,
  extra: Partial<Record<keyof NodeConfig, string | number>> = {},
) {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const out = new Output(globals.json === true);
  const { loadConfig } = await import('@idlegrid/node/config');
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
