import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where a node keeps its keys, chain state and config: $IDLEGRID_HOME, else ~/.idlegrid. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.IDLEGRID_HOME ?? join(homedir(), '.idlegrid');
}

/** The data directory a flag names, else the default, as an absolute path. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? defaultDataDir(env));
}
