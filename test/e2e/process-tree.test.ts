import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from './cli-harness.js';
import { killPid, pidsOf, waitFor } from './localnet-harness.js';

/**
 * No process outlives the one that started it: a localnet killed with SIGKILL (no chance to
 * clean up) takes its chain, coordinator and providers with it.
 */
describe('process tree', () => {
  it('ends every child of a localnet killed with SIGKILL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-tree-'));
    try {
      const localnet = await startCli([
        '--data-dir',
        dataDir,
        '--json',
        'localnet',
        '--port',
        '0',
        '--api-port',
        '0',
        '--providers',
        '2',
        '--no-demo',
      ]);
      const running = await pidsOf(dataDir, '');
      // The localnet itself, anvil, the coordinator and two providers.
      expect(running.length).toBeGreaterThanOrEqual(5);
      expect(running).toContain(localnet.child.pid);
      localnet.child.kill('SIGKILL');
      await localnet.exited;
      await waitFor(async () => (await pidsOf(dataDir, '')).length === 0, 20_000, 'the children to end');
    } finally {
      for (const pid of await pidsOf(dataDir, '')) killPid(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
