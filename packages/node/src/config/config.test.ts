import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdlegridError } from '@idlegrid/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from './config.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-config-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('uses defaults when nothing is given', async () => {
    const config = await loadConfig({ flags: { dataDir }, env: {} });
    expect(config).toEqual({ dataDir, ...DEFAULTS });
  });

  it('prefers flags to environment to the config file', async () => {
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ chainPort: 7000, rpcUrl: 'http://file:1' }),
    );
    const fileOnly = await loadConfig({ flags: { dataDir }, env: {} });
    expect(fileOnly).toMatchObject({ chainPort: 7000, rpcUrl: 'http://file:1' });
    const env = { IDLEGRID_CHAIN_PORT: '7100', RPC_URL: 'http://env:1' };
    expect(await loadConfig({ flags: { dataDir }, env })).toMatchObject({
      chainPort: 7100,
      rpcUrl: 'http://env:1',
    });
    expect(
      await loadConfig({ flags: { dataDir, chainPort: '7200', rpcUrl: 'http://flag:1' }, env }),
    ).toMatchObject({
      chainPort: 7200,
      rpcUrl: 'http://flag:1',
    });
  });

  it("reads a coordinator's limits from the config file, and refuses bad ones", async () => {
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ limits: { client: { rate: 5 } } }));
    expect((await loadConfig({ flags: { dataDir }, env: {} })).limits).toEqual({ client: { rate: 5 } });
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ limits: { client: { rate: 'fast' } } }));
    await expect(loadConfig({ flags: { dataDir }, env: {} })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('finds the data directory from IDLEGRID_HOME', async () => {
    expect((await loadConfig({ env: { IDLEGRID_HOME: dataDir } })).dataDir).toBe(dataDir);
  });

  it('rejects invalid values with every problem listed', async () => {
    const error = await loadConfig({
      flags: { dataDir, chainPort: '99999', rpcUrl: 'not a url' },
      env: {},
    }).catch((e: unknown) => e);
    expect(isIdlegridError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as { details: { issues: string[] } }).details.issues).toHaveLength(2);
  });

  it('rejects a broken or unknown-keyed config file', async () => {
    await writeFile(join(dataDir, 'config.json'), '{ nope');
    expect(isIdlegridError(await loadConfig({ flags: { dataDir } }).catch((e) => e), 'CONFIG_INVALID')).toBe(
      true,
    );
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ deployerKey: 'secret' }));
    expect(isIdlegridError(await loadConfig({ flags: { dataDir } }).catch((e) => e), 'CONFIG_INVALID')).toBe(
      true,
    );
  });
});
