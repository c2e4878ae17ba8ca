import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-harness.js';

let dataDir: string;
let chain: Awaited<ReturnType<typeof startCli>>;
let rpcUrl: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-gov-'));
  // The config file's governance settings shape the governor deployed on first start.
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ governance: { votingPeriodSeconds: 300 } }));
  chain = await startCli(['--data-dir', dataDir, '--json', 'chain', 'start', '--port', '0']);
  rpcUrl = (chain.first as { rpcUrl: string }).rpcUrl;
});
afterAll(async () => {
  chain?.child.kill('SIGINT');
  await chain?.exited;
  await rm(dataDir, { recursive: true, force: true });
});

const gov = (...args: string[]) => runCli(['--data-dir', dataDir, '--json', 'gov', ...args]);

/** Moves the chain's clock, as waiting would. */
async function advance(seconds: number) {
  for (const [method, params] of [
    ['evm_increaseTime', [seconds]],
    ['evm_mine', []],
  ] as const) {
    await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  }
}

describe('idlegrid gov', () => {
  it('takes a proposal with its forecast through vote, queue and execute on a fresh network', async () => {
    expect((await gov('params')).json).toMatchObject({ feeBps: 100, defaultVerification: { kind: 'none' } });
    const unknown = await gov('propose', '--param', 'gas-price', '--value', '1');
    expect(unknown.json.error.code).toBe('GOV_PARAMETER_UNKNOWN');
    const tooHigh = await gov('propose', '--param', 'protocol-fee', '--value', '5000');
    expect(tooHigh.json.error).toMatchObject({ code: 'GOV_PARAMETER_OUT_OF_BOUNDS', details: { max: 1000 } });

    const proposed = await gov(
      'propose',
      '--param',
      'default-verification',
      '--value',
      'sample(0.1)',
      '--description',
      'Audit a tenth of the jobs that ask for nothing.',
    );
    expect(proposed.code, proposed.stderr).toBe(0);
    const id: string = proposed.json.proposalId;
    const outlook = proposed.json.forecast;
    expect(outlook.proposed.outlook.cheatingGain).toBeLessThan(outlook.now.outlook.cheatingGain);

    const [listed] = (await gov('list')).json;
    expect(listed).toMatchObject({
      id,
      state: 'pending',
      title: 'Set default-verification to sample(0.1) (now none)',
    });
    expect(listed.forecast).toMatchObject({ intact: true, data: { version: 1 } });
    expect((await gov('vote', id)).json.error.code).toBe('GOV_PROPOSAL_STATE');

    await advance(11);
    const voted = await gov('vote', id, '--support', 'for', '--reason', 'cheating should not pay');
    expect(voted.code, voted.stderr).toBe(0);
    expect(BigInt(voted.json.weight)).toBeGreaterThan(0n);
    expect((await gov('vote', id, '--support', 'bogus')).json.error.code).toBe('INVALID_ARGUMENT');
    expect((await gov('queue', id)).json.error.code).toBe('GOV_PROPOSAL_STATE');
    // Past the localnet's default two minutes, still open: the config file made it five.
    await advance(150);
    expect((await gov('queue', id)).json.error).toMatchObject({
      code: 'GOV_PROPOSAL_STATE',
      details: { state: 'active' },
    });

    await advance(151);
    expect((await gov('queue', id)).code).toBe(0);
    expect((await gov('execute', id)).json.error.code).toBe('GOV_PROPOSAL_STATE');
    await advance(31);
    const executed = await gov('execute', id);
    expect(executed.code, executed.stderr).toBe(0);
    expect((await gov('params')).json.defaultVerification).toEqual({ kind: 'sample', probability: 0.1 });
    expect((await gov('list')).json[0]).toMatchObject({ id, state: 'executed' });

    const human = await runCli(['--data-dir', dataDir, 'gov', 'list']);
    expect(human.stdout).toContain('executed  Set default-verification to sample(0.1)');
    expect(human.stdout).toContain('| wrong results accepted |');
  });
});
