import { describe, expect, it } from 'vitest';
import { pidsOf, startNet, waitFor } from './localnet-harness.js';

/**
 * No process outlives the one that started it: a localnet killed with SIGKILL (no chance to
 * clean up) takes its chain, coordinator and providers with it.
 */
describe('process tree', () => {
  it('ends every child of a localnet killed with SIGKILL', async () => {
    const net = await startNet(2);
    try {
      const running = await pidsOf(net.dataDir, '');
      // The localnet itself, anvil, the coordinator and two providers.
      expect(running.length).toBeGreaterThanOrEqual(5);
      expect(running).toContain(net.localnet.pid);
      const exited = new Promise((resolve) => net.localnet.once('exit', resolve));
      net.localnet.kill('SIGKILL');
      await exited;
      await waitFor(async () => (await pidsOf(net.dataDir, '')).length === 0, 20_000, 'the children to end');
    } finally {
      await net.stop();
    }
  }, 90_000);
});
