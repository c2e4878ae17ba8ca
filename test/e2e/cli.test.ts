import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesHolding } from '@idlegrid/node/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-harness.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'idlegrid-cli-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, '--json', ...args]);

describe('idlegrid wallet', () => {
  it('creates keys with mode 0600, never overwrites them, and lists them', async () => {
    const created = await cli('wallet', 'new', '--name', 'alice');
    expect(created.code).toBe(0);
    expect(created.json.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect((await stat(join(dataDir, 'keys', 'alice.key'))).mode & 0o777).toBe(0o600);

    const again = await cli('wallet', 'new', '--name', 'alice');
    expect(again.code).toBe(1);
    expect(again.json.error.code).toBe('KEY_EXISTS');

    const listed = await cli('wallet', 'list');
    expect(listed.json).toEqual([{ name: 'alice', address: created.json.address }]);
  });

  it('reports missing keys and networks with stable codes, in JSON and for humans', async () => {
    expect((await cli('wallet', 'balance', '--name', 'ghost')).json.error.code).toBe('KEY_NOT_FOUND');
    await cli('wallet', 'new');
    expect((await cli('wallet', 'balance')).json.error.code).toBe('NETWORK_NOT_CONFIGURED');
    const human = await runCli(['--data-dir', dataDir, 'wallet', 'fund', '--tokens', 'lots']);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('error INVALID_ARGUMENT: --tokens must be a non-negative decimal number');
  });
});

/**
 * `artifact put --encrypt` seals a file on this machine: the network stores only ciphertext, which
 * `artifact get` opens with the owner's key and nobody else's; `artifact erase` takes it away.
 */
async function expectSealedArtifacts() {
  const marker = `artifact-marker-${Date.now()}`;
  const secret = join(dataDir, 'secret.txt');
  await writeFile(secret, `${marker}\n`.repeat(1_000));
  const size = (marker.length + 1) * 1_000;
  const put = await cli('artifact', 'put', secret, '--encrypt');
  expect(put.code, put.stderr).toBe(0);
  expect(put.json).toMatchObject({ encrypted: true, bytes: size });
  const opened = join(dataDir, 'opened.txt');
  const get = await cli('artifact', 'get', put.json.cid, '--out', opened);
  expect(get.json).toMatchObject({ decrypted: true, bytes: size });
  expect(await readFile(opened, 'utf8')).toBe(await readFile(secret, 'utf8'));
  // Another key of this data directory gets nothing, until the owner grants it the artifact.
  const stranger = await cli('artifact', '--key', 'provider-1', 'get', put.json.cid, '--out', opened);
  expect(stranger.json.error.code).toBe('ARTIFACT_ACCESS_DENIED');
  const granted = await cli('artifact', 'grant', put.json.cid, '--to', 'provider-1', '--days', '1');
  expect(granted.code, granted.stderr).toBe(0);
  const grantee = await cli('artifact', '--key', 'provider-1', 'get', put.json.cid, '--out', opened);
  expect(grantee.json).toMatchObject({ decrypted: true, bytes: size });
  await cli('artifact', 'revoke', put.json.cid, '--to', 'provider-1');
  expect(
    (await cli('artifact', '--key', 'provider-1', 'get', put.json.cid, '--out', opened)).json.error.code,
  ).toBe('ARTIFACT_ACCESS_DENIED');
  const listed = await cli('artifact', 'list');
  expect(listed.json.artifacts).toEqual([
    expect.objectContaining({ cid: put.json.cid, encrypted: true, size: expect.any(Number) }),
  ]);
  const exported = await cli('artifact', 'export');
  expect(exported.json.artifacts).toHaveLength(1);
  expect(exported.json.grants.given).toHaveLength(1);
  expect((await cli('artifact', '--key', 'provider-1', 'erase', put.json.cid)).json.error.code).toBe(
    'ARTIFACT_NOT_OWNER',
  );
  expect((await cli('artifact', 'erase', put.json.cid)).json).toMatchObject({ blobDestroyed: true });
  expect((await cli('artifact', 'get', put.json.cid, '--out', opened)).json.error.code).toBe(
    'ARTIFACT_NOT_FOUND',
  );
  // In the clear: fetched as stored, checked by CID.
  const plain = await cli('artifact', 'put', secret);
  expect(plain.json).toMatchObject({ encrypted: false });
  const fetched = await runCli(['--data-dir', dataDir, 'artifact', 'get', plain.json.cid]);
  expect(fetched.stdout).toBe(await readFile(secret, 'utf8'));
  const all = await cli('artifact', 'erase', '--all');
  expect(all.json).toEqual([expect.objectContaining({ cid: plain.json.cid, blobDestroyed: true })]);
}

/** `job run --private` seals the input and prints the output it opens: the network keeps neither in the clear. */
async function expectPrivateJob() {
  const marker = `private-job-${crypto.randomUUID()}`;
  const input = join(dataDir, 'private-input.txt');
  await writeFile(input, marker);
  const hashChain = fileURLToPath(
    new URL('../../packages/node/examples/wasm/build/hash-chain.wasm', import.meta.url),
  );
  const human = await runCli([
    '--data-dir',
    dataDir,
    'job',
    'run',
    '--private',
    '--wasm',
    hashChain,
    '--args',
    '3',
    '--input',
    input,
  ]);
  expect(human.code, human.stderr).toBe(0);
  let expected = Buffer.from(marker);
  for (let round = 0; round < 3; round++) expected = createHash('sha256').update(expected).digest();
  expect(human.stdout.trim()).toBe(expected.toString('hex'));
  await rm(input);
  expect(await filesHolding(dataDir, [marker, expected.toString('hex')])).toEqual([]);
  const onnx = await cli('job', 'run', '--private', '--onnx', hashChain);
  expect(onnx.json.error.code).toBe('PRIVACY_UNSUPPORTED');
}

describe('idlegrid localnet', () => {
  it('runs a network of processes that executes, checks and pays real WASM jobs, and resumes', async () => {
    const first = await cli('localnet', '--once', '--port', '0', '--api-port', '0', '--providers', '2');
    expect(first.code, first.stderr).toBe(0);
    const outcomes = first.json.outcomes as { state: string; verified: boolean; provider: string }[];
    expect(outcomes.length).toBeGreaterThanOrEqual(9);
    expect(outcomes.filter((o) => !(o.state === 'settled' && o.verified))).toEqual([]);
    const providers = first.json.providers as { address: string; jobs: number; billed: string }[];
    expect(providers.reduce((sum, p) => sum + p.jobs, 0)).toBe(outcomes.length);
    expect(new Set(outcomes.map((o) => o.provider))).toEqual(
      new Set(providers.filter((p) => p.jobs > 0).map((p) => p.address)),
    );

    const second = await cli(
      'localnet',
      '--once',
      '--port',
      '0',
      '--api-port',
      '0',
      '--providers',
      '2',
      '--no-demo',
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.json.network.paymentChannels).toBe(first.json.network.paymentChannels);
  }, 240_000);

  it('serves `job run` from the CLI while it runs', async () => {
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
      '1',
      '--no-demo',
    ]);
    try {
      const primes = fileURLToPath(
        new URL('../../packages/node/examples/wasm/build/primes.wasm', import.meta.url),
      );
      // Placement flags: the provider's round trip is measured by the coordinator, its stake read from the chain.
      const run = await cli(
        'job',
        'run',
        '--wasm',
        primes,
        '--args',
        '1000',
        '--min-cores',
        '1',
        '--min-ram-gb',
        '0.125',
        '--max-seconds',
        '60',
        '--max-rtt-ms',
        '2000',
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.json.job.state).toBe('settled');
      expect(run.json.result.stdout.trim()).toBe('168');
      // The status explains the placement: the learned policy and every term of its score.
      const placed = await cli('job', 'status', run.json.job.id);
      expect(placed.json.placement).toMatchObject({ policy: 'learned', considered: 1 });
      const { terms, score } = placed.json.placement.chosen;
      expect(score).toBeCloseTo(terms.cost + terms.time + terms.risk + terms.load, 9);
      // The provider as the coordinator sees it, with its drop-out risk; the same risk on /metrics.
      const seen = await cli('provider', 'status', '--name', 'provider-1');
      expect(seen.json).toMatchObject({ address: run.json.job.provider, online: true, jobsCompleted: 1 });
      expect(seen.json.risk).toMatchObject({ rising: false, risingSince: null });
      expect(seen.json.risk.perHour).toBeGreaterThan(0);
      const described = await runCli(['--data-dir', dataDir, 'provider', 'status', run.json.job.provider]);
      expect(described.stdout).toMatch(/drop-out risk [0-9.]+% within the hour, usual [0-9.]+%: steady/);
      const coordinatorUrl = (localnet.first as { coordinatorUrl: string }).coordinatorUrl;
      const metrics = await (await fetch(`${coordinatorUrl}/metrics`)).text();
      expect(metrics).toContain(`idlegrid_provider_dropout_risk{provider="${run.json.job.provider}"}`);
      expect(metrics).toContain(
        `idlegrid_provider_dropout_risk_rising{provider="${run.json.job.provider}"} 0`,
      );
      // A sensor: bound to the client by both signatures, then pushing signed readings.
      const bound = await cli('device', 'register', '--kind', 'weather-station');
      expect(bound.json).toMatchObject({ kind: 'weather-station' });
      const pushed = await cli(
        'device',
        'push',
        '--feed',
        'weather',
        '--cell',
        'u4pru',
        '--values',
        '{"temperature":21.5}',
      );
      expect(pushed.json).toMatchObject({ accepted: 1 });
      const listed = await cli('job', 'list');
      expect(listed.json.map((j: { id: string }) => j.id)).toContain(run.json.job.id);
      // A unique prefix names the job, as git takes short ids; people see names and runtimes.
      const short = await cli('job', 'status', run.json.job.id.slice(0, 10));
      expect(short.json.id).toBe(run.json.job.id);
      const human = await runCli(['--data-dir', dataDir, 'job', 'list']);
      expect(human.stdout).toMatch(/^id\s+state\s+runtime\s+provider\s+price/);
      expect(human.stdout).toMatch(new RegExp(`${run.json.job.id}\\s+settled\\s+wasm\\s+provider-1 \\(0x`));
      // A 300 GRID job needs 3,000 GRID bonded at the contract's stake floor (10x); the provider has 500.
      const tooValuable = await cli('job', 'run', '--wasm', primes, '--max-price', '300', '--no-wait');
      expect(tooValuable.code, tooValuable.stderr).toBe(0);
      let status = await cli('job', 'status', tooValuable.json.job.id);
      for (let i = 0; i < 100 && !status.json.error; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await cli('job', 'status', tooValuable.json.job.id);
      }
      expect(status.json).toMatchObject({
        state: 'submitted',
        error: { code: 'JOB_UNMATCHED', message: 'no offer fits (stake: 1)' },
      });
      // Waiting for it, job run stops at once with the reason, and cancels the job it submitted.
      const nowhere = await runCli([
        '--data-dir',
        dataDir,
        'job',
        'run',
        '--wasm',
        primes,
        '--region',
        'mars',
      ]);
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toMatch(
        /error JOB_UNMATCHED: no provider can run job 0x[0-9a-f]+: no offer fits \(region: 1\)/,
      );
      expect(nowhere.stderr).toContain('--wait-for-capacity');
      const cancelledId = /job (0x[0-9a-f]{64}) cancelled/.exec(nowhere.stderr)?.[1];
      expect(cancelledId, nowhere.stderr).toBeDefined();
      expect((await cli('job', 'status', cancelledId!)).json.state).toBe('cancelled');
      // Wrong files fail before anything is uploaded, each with its own code, printed once.
      const missing = await runCli([
        '--data-dir',
        dataDir,
        'job',
        'run',
        '--wasm',
        join(dataDir, 'nope.wasm'),
      ]);
      expect(missing.stderr).toMatch(/^error FILE_NOT_FOUND: --wasm .*nope\.wasm: no such file\n/);
      expect(missing.stderr).not.toContain('at ');
      const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
      const notWasm = await runCli(['--data-dir', dataDir, 'job', 'run', '--wasm', readme]);
      expect(notWasm.stderr).toMatch(
        /^error WASM_INVALID_MODULE: .*README\.md is not a WebAssembly module\n/,
      );
      expect(notWasm.stderr.match(/WASM_INVALID_MODULE/g)).toHaveLength(1);
      expect(notWasm.stderr).not.toContain('uploading');
      const jobsAfter = await cli('job', 'list');
      expect(jobsAfter.json).toHaveLength(listed.json.length + 2);
      // A private job nobody can run is cancelled the same way, not left queued.
      const privateNowhere = await runCli([
        '--data-dir',
        dataDir,
        'job',
        'run',
        '--private',
        '--wasm',
        primes,
        '--region',
        'mars',
      ]);
      expect(privateNowhere.stderr).toMatch(/error JOB_UNMATCHED: no provider can run job 0x[0-9a-f]+/);
      const privateId = /job (0x[0-9a-f]{64}) cancelled/.exec(privateNowhere.stderr)?.[1];
      expect(privateId, privateNowhere.stderr).toBeDefined();
      expect((await cli('job', 'status', privateId!)).json.state).toBe('cancelled');
      await expectSealedArtifacts();
      await expectPrivateJob();
    } finally {
      localnet.child.kill('SIGINT');
      expect(await localnet.exited).toBe(0);
    }
  }, 180_000);

  it('refuses a bad provider count', async () => {
    expect((await cli('localnet', '--once', '--providers', '0')).json.error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('idlegrid chain start', () => {
  it('serves the chain until interrupted; wallets fund and read balances against it; state survives', async () => {
    const address = (await cli('wallet', 'new', '--name', 'bob')).json.address;
    const first = await startCli(['--data-dir', dataDir, '--json', 'chain', 'start', '--port', '0']);
    const info = first.first as { deployed: boolean; rpcUrl: string };
    expect(info.deployed).toBe(true);
    const funded = await cli('wallet', 'fund', '--name', 'bob', '--tokens', '12.5', '--eth', '1');
    expect(funded.code, funded.stderr).toBe(0);
    expect(funded.json.tokens).toBe(String(125n * 10n ** 17n));
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = await startCli(['--data-dir', dataDir, '--json', 'chain', 'start', '--port', '0']);
    try {
      expect((second.first as { deployed: boolean }).deployed).toBe(false);
      const balance = await cli('wallet', 'balance', '--address', address);
      expect(balance.json).toMatchObject({ tokens: String(125n * 10n ** 17n), eth: String(10n ** 18n) });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('rejects an invalid port through the validated configuration', async () => {
    expect((await cli('chain', 'start', '--port', '70000')).json.error.code).toBe('CONFIG_INVALID');
  });
});
