import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol/light';
import { CoordinatorClient } from '@idlegrid/sdk/core';

/** `--coordinator <url>`'s help: repeatable, the first in use and the others its fallbacks. */
export const COORDINATOR_HELP =
  'coordinator HTTP API; repeat it to fail over to the next (or IDLEGRID_COORDINATOR, comma-separated, or localnet.json)';

/** Commander's collector of a repeated option (`--coordinator`, `--coordinator-p2p`, `--peer`). */
export function collectUrls(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The coordinators to talk to, the first in use and the others tried in turn when it cannot be
 * reached: --coordinator (repeated) > IDLEGRID_COORDINATOR (comma-separated) > DATA_DIR/localnet.json
 * `coordinatorUrls` (every coordinator of a local mesh) or `coordinatorUrl`.
 */
export async function coordinatorUrls(
  dataDir: string,
  flag: readonly string[] | undefined,
): Promise<string[]> {
  if (flag?.length) return [...flag];
  const fromEnv = process.env.IDLEGRID_COORDINATOR?.split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  const localnet = await readFile(join(dataDir, 'localnet.json'), 'utf8').catch(() => undefined);
  const written =
    localnet === undefined
      ? {}
      : (JSON.parse(localnet) as { coordinatorUrl?: unknown; coordinatorUrls?: unknown });
  const urls = Array.isArray(written.coordinatorUrls)
    ? written.coordinatorUrls.filter((url): url is string => typeof url === 'string' && url !== '')
    : typeof written.coordinatorUrl === 'string' && written.coordinatorUrl
      ? [written.coordinatorUrl]
      : [];
  if (urls.length) return urls;
  throw new IdlegridError('COORDINATOR_NOT_CONFIGURED', 'no coordinator to talk to', {
    details: {
      hint: 'pass --coordinator http://HOST:PORT, set IDLEGRID_COORDINATOR, or run idlegrid localnet in this data directory',
    },
  });
}

/** The coordinator in use first (for what talks to one only: the OpenAI-compatible API). */
export async function coordinatorUrl(dataDir: string, flag: readonly string[] | undefined): Promise<string> {
  return (await coordinatorUrls(dataDir, flag))[0]!;
}

/** A client of the configured coordinators, failing over from one to the next. */
export async function coordinatorClient(
  dataDir: string,
  flag: readonly string[] | undefined,
): Promise<CoordinatorClient> {
  const [url, ...fallbackUrls] = await coordinatorUrls(dataDir, flag);
  return new CoordinatorClient({ url: url!, fallbackUrls });
}
