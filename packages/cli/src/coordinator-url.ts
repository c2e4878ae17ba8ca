import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol/light';

/** --coordinator > IDLEGRID_COORDINATOR > DATA_DIR/localnet.json `coordinatorUrl`. */
export async function coordinatorUrl(dataDir: string, flag: string | undefined): Promise<string> {
  if (flag) return flag;
  if (process.env.IDLEGRID_COORDINATOR) return process.env.IDLEGRID_COORDINATOR;
  const localnet = await readFile(join(dataDir, 'localnet.json'), 'utf8').catch(() => undefined);
  const url =
    localnet === undefined
      ? undefined
      : (JSON.parse(localnet) as { coordinatorUrl?: unknown }).coordinatorUrl;
  if (typeof url === 'string' && url) return url;
  throw new IdlegridError('COORDINATOR_NOT_CONFIGURED', 'no coordinator to talk to', {
    details: {
      hint: 'pass --coordinator http://HOST:PORT, set IDLEGRID_COORDINATOR, or run idlegrid localnet in this data directory',
    },
  });
}
