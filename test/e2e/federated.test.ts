import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadTfjs, mnistMlpBundle } from '@idlegrid/node';
import { filesHolding } from '@idlegrid/node/testing';
import { parseAmount } from '@idlegrid/protocol';
import {
  getBalances,
  getFederatedRun,
  payFederatedRound,
  startFederatedRun,
  uploadArtifact,
} from '@idlegrid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runFederatedCli } from './cli-harness.js';
import {
  type LocalnetCoordinator,
  restartCoordinator,
  startNet,
  type TestNet,
  waitFor,
} from './localnet-harness.js';

interface RunResult {
  id: string;
  state: string;
  stopped: string | null;
  rounds: number;
  accuracy: number;
  epsilon: number | null;
  history: {
    round: number;
    participants: number;
    dropped: number;
    accuracy: number;
    epsilon: number | null;
  }[];
  paid: string;
}

interface RunStatus {
  rounds: {
    round: number;
    participants: { provider: string }[];
    dropped: string[];
    paid: string[];
    rejected: { provider: string; code: string }[];
    outliers: string[];
    epsilon: number | null;
  }[];
}

const PRICE = '0.01';

/** `idlegrid fl run ... --json` on the network's built-in model and MNIST shards. */
async function flRun(net: TestNet, ...flags: string[]): Promise<RunResult> {
  const ran = await runFederatedCli(net.dataDir, ['--price', PRICE, ...flags]);
  expect(ran.code, ran.stderr).toBe(0);
  return ran.json as RunResult;
}

async function flStatus(net: TestNet, id: string): Promise<RunStatus> {
  const status = await runCli(['--data-dir', net.dataDir, '--json', 'fl', 'status', id]);
  expect(status.code, status.stderr).toBe(0);
  return status.json as RunStatus;
}

const updatesIn = (status: RunStatus) => status.rounds.reduce((n, r) => n + r.participants.length, 0);

describe('federated runs on a network of processes (4 providers, each with its own MNIST shard)', () => {
  let net: TestNet;
  beforeAll(async () => {
    // provider-4 shares its round keys, then vanishes before its masked update.
    net = await startNet(4, ['--fl-data', 'mnist:iid', '--adversary', 'provider-4=fl-drop']);
  }, 180_000);
  afterAll(() => net?.stop(), 60_000);

  it('trains where the data is: FedAvg learns the digits, and each update taken is paid once', async () => {
    const result = await flRun(net, '--rounds', '3', '--clients', '4');
    expect(result).toMatchObject({ state: 'completed', rounds: 3, stopped: null });
    expect(result.history.map((h) => h.round)).toEqual([0, 1, 2]);
    expect(result.accuracy).toBeGreaterThan(0.8);
    const status = await flStatus(net, result.id);
    expect(updatesIn(status)).toBe(12);
    for (const round of status.rounds)
      expect(round.paid.sort()).toEqual(round.participants.map((p) => p.provider).sort());
    expect(BigInt(result.paid)).toBe(12n * parseAmount(PRICE, 'price'));
    // The records stay with their providers: no file of the network outside the shards holds one.
    const { flTestDir } = JSON.parse(await readFile(join(net.dataDir, 'localnet.json'), 'utf8')) as {
      flTestDir: string;
    };
    const shard = await readFile(join(dirname(flTestDir), 'provider-1', 'mnist', 'records.jsonl'), 'utf8');
    const records = shard.split('\n').slice(0, 20).filter(Boolean);
    const features = records.map((line) => JSON.stringify((JSON.parse(line) as { x: number[] }).x));
    const holding = await filesHolding(net.dataDir, [...records, ...features]);
    expect(holding.filter(({ file }) => !file.startsWith(dirname(flTestDir)))).toEqual([]);
  }, 240_000);

  it("refuses at once a run that no provider can train, or that the client's deposit cannot pay in full", async () => {
    // Nobody holds this dataset: no run starts, nobody waits for its deadline.
    const nowhere = await runFederatedCli(net.dataDir, ['--dataset', 'held-nowhere']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.json).toMatchObject({ error: { code: 'FL_NO_PROVIDERS', details: { holders: 0 } } });
    // localnet deposits 1,000 GRID: 3 rounds × 4 clients × 100 GRID is more.
    const ran = await runFederatedCli(net.dataDir, ['--rounds', '3', '--clients', '4', '--price', '100']);
    expect(ran.code).toBe(1);
    expect((ran.json as { error: { code: string } }).error.code).toBe('INSUFFICIENT_FUNDS');
  }, 120_000);

  it('aggregates securely and survives a participant that drops after sharing its keys', async () => {
    const dropper = net.providers[3]!.address;
    const result = await flRun(
      net,
      '--rounds',
      '2',
      '--clients',
      '4',
      '--min-clients',
      '3',
      '--secure-aggregation',
    );
    expect(result).toMatchObject({ state: 'completed', rounds: 2 });
    expect(result.accuracy).toBeGreaterThan(0.8);
    const status = await flStatus(net, result.id);
    for (const round of status.rounds) {
      expect(round.participants.map((p) => p.provider)).not.toContain(dropper);
      expect(round.participants).toHaveLength(3);
      expect(round.dropped).toEqual([dropper]);
      // The dropped participant is owed nothing.
      expect(round.paid).not.toContain(dropper);
    }
    expect(BigInt(result.paid)).toBe(6n * parseAmount(PRICE, 'price'));
  }, 240_000);

  it('resumes a run at its last closed round when its coordinator is killed and restarted', async () => {
    const [coordinator] = net.coordinators as [LocalnetCoordinator];
    const modelCid = await uploadArtifact(net.ctx, await mnistMlpBundle((await loadTfjs()).tf));
    const started = await startFederatedRun(net.ctx, {
      modelCid,
      dataset: 'mnist',
      settings: {
        rounds: 8,
        clientsPerRound: 3,
        minClients: 3,
        localEpochs: 1,
        batchSize: 32,
        learningRate: 0.1,
        strategy: 'fedavg',
        clipNorm: 5,
      },
      pricePerUpdate: parseAmount(PRICE, 'price'),
    });
    // The client pays each round as it closes (the run waits for that), through the restart too.
    const payAndRead = async () => {
      const run = await getFederatedRun(net.ctx, started.id);
      for (const round of run.rounds.filter((r) => r.participants.some((p) => !r.paid.includes(p.provider))))
        await payFederatedRound(net.ctx, run, round);
      return run;
    };
    await waitFor(async () => (await payAndRead()).roundsDone >= 2, 60_000, 'two rounds');
    await restartCoordinator(net, coordinator);
    await waitFor(
      async () => !['running', undefined].includes((await payAndRead().catch(() => undefined))?.state),
      120_000,
      'the resumed run to finish',
    );
    const run = await getFederatedRun(net.ctx, started.id);
    expect(run).toMatchObject({ state: 'completed', roundsDone: 8 });
    // Every round once, none lost or run twice across the restart.
    expect(run.rounds.map((r) => r.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 240_000);

  it('stops a run whose client stopped paying (gone, or Ctrl-C), two rounds on, instead of training for nobody', async () => {
    const modelCid = await uploadArtifact(net.ctx, await mnistMlpBundle((await loadTfjs()).tf));
    const started = await startFederatedRun(net.ctx, {
      modelCid,
      dataset: 'mnist',
      settings: {
        rounds: 6,
        clientsPerRound: 3,
        minClients: 3,
        localEpochs: 1,
        batchSize: 32,
        learningRate: 0.1,
        strategy: 'fedavg',
        clipNorm: 5,
        roundTimeoutSeconds: 10,
      },
      pricePerUpdate: parseAmount(PRICE, 'price'),
    });
    // Nothing is paid: round 2 waits for round 0's payment, a minute, then the run ends.
    await waitFor(
      async () => (await getFederatedRun(net.ctx, started.id)).state !== 'running',
      120_000,
      'the unpaid run to stop',
    );
    const run = await getFederatedRun(net.ctx, started.id);
    expect(run).toMatchObject({ state: 'failed', roundsDone: 2 });
    expect(run.reason).toMatch(/^PAYMENT_INSUFFICIENT: round 0's updates are still unpaid/);
  }, 180_000);

  it('stops a differentially private run before the round that would spend more than its budget', async () => {
    const budget = 1.2;
    const result = await flRun(net, '--rounds', '10', '--clients', '3', '--dp-epsilon', String(budget));
    expect(result.stopped).toMatch(/^FL_BUDGET_EXHAUSTED: /);
    expect(result.rounds).toBeGreaterThan(0);
    expect(result.rounds).toBeLessThan(10);
    const spent = result.history.map((h) => h.epsilon!);
    expect(spent.every((epsilon, i) => epsilon > (spent[i - 1] ?? 0))).toBe(true);
    expect(result.epsilon).toBeLessThanOrEqual(budget);
  }, 300_000);
});

describe('a poisoned federated run', () => {
  let net: TestNet;
  beforeAll(async () => {
    // provider-3 sends updates far above the clip; provider-4 sends them negated, within it.
    net = await startNet(4, [
      '--fl-data',
      'mnist:iid',
      '--adversary',
      'provider-3=poison-scale',
      '--adversary',
      'provider-4=poison-signflip',
    ]);
  }, 180_000);
  afterAll(() => net?.stop(), 60_000);

  it('slashes the update above the clip with its signed receipt, and the median leaves the sign-flipper out', async () => {
    const [, , scaler, flipper] = net.providers.map((p) => p.address);
    const stakeBefore = (await getBalances(net.chain, scaler!)).stakeBonded;
    const result = await flRun(
      net,
      '--rounds',
      '3',
      '--clients',
      '4',
      '--min-clients',
      '3',
      '--strategy',
      'median',
    );
    expect(result).toMatchObject({ state: 'completed', rounds: 3 });
    expect(result.accuracy).toBeGreaterThan(0.8);
    const status = await flStatus(net, result.id);
    const [first, ...later] = status.rounds;
    expect(first!.rejected).toEqual([
      expect.objectContaining({ provider: scaler, code: 'FL_UPDATE_INVALID' }),
    ]);
    // Convicted, it is suspended: the later rounds do not ask it again.
    for (const round of later) expect(round.participants.map((p) => p.provider)).not.toContain(scaler);
    expect((await getBalances(net.chain, scaler!)).stakeBonded).toBeLessThan(stakeBefore);
    // The sign-flipper is far from the median every round: it loses reputation, never stake.
    for (const round of status.rounds) expect(round.outliers).toEqual([flipper]);
    expect((await getBalances(net.chain, flipper!)).stakeBonded).toBe(stakeBefore);
  }, 240_000);
});
