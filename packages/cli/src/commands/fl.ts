import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DP_LEVELS,
  FL_STRATEGIES,
  type FlSettingsInput,
  type FlStrategy,
  IdlegridError,
} from '@idlegrid/protocol';
import type { Command } from 'commander';
import { COORDINATOR_HELP, collectUrls } from '../coordinator-url.js';
import { formatTokens, parseAmount, table } from '../format.js';
import { positive } from '../number-flags.js';
import { readUserFile } from '../read-user-file.js';
import { jobsContext } from './job.js';

interface RunFlags {
  model: string;
  dataset: string;
  rounds: string;
  clients: string;
  minClients?: string;
  strategy: string;
  epochs: string;
  localSteps?: string;
  batchSize: string;
  lr: string;
  mu: string;
  clip: string;
  secureAggregation?: boolean;
  dpEpsilon?: string;
  dpDelta: string;
  dpLevel: string;
  noiseMultiplier: string;
  test?: string;
  price: string;
  roundTimeout: string;
  timeout: string;
}

export function registerFlCommands(fl: Command): void {
  fl.command('run')
    .description(
      'train a model where the data lives: rounds on providers holding the dataset, paid per update',
    )
    .requiredOption('--model <bundle>', 'a TF.js model bundle (idlegrid-tfjs/1), or mnist-mlp (built in)')
    .requiredOption('--dataset <name>', 'the dataset the providers hold (idlegrid data add)')
    .option('--rounds <n>', 'rounds of training', '5')
    .option('--clients <k>', 'providers sampled each round', '3')
    .option('--min-clients <m>', 'updates needed to close a round (default: --clients)')
    .option('--strategy <name>', FL_STRATEGIES.join(' | '), 'fedavg')
    .option('--epochs <n>', 'local epochs each round', '1')
    .option(
      '--local-steps <n>',
      'local batches each round instead of epochs (1: FedSGD, which shares example-level DP noise under secure aggregation)',
    )
    .option('--batch-size <n>', 'local batch size', '32')
    .option('--lr <rate>', 'local learning rate (plain SGD)', '0.1')
    .option('--mu <mu>', "FedProx's proximal weight", '0.01')
    .option('--clip <norm>', 'every update is clipped to this L2 norm (one above it is slashed)', '5')
    .option('--secure-aggregation', 'the coordinator learns only the sum of the updates (SecAgg+)')
    .option('--dp-epsilon <e>', 'a differential-privacy budget: the run stops before spending more')
    .option('--dp-delta <d>', 'the δ of the budget', '1e-5')
    .option(
      '--dp-level <level>',
      `${DP_LEVELS.join(' | ')}: protect each record, or each participant`,
      'example',
    )
    .option('--noise-multiplier <z>', 'DP noise, as a multiple of the clip', '1.1')
    .option('--test <dir>', "a dataset directory to measure accuracy on (default: localnet's MNIST test set)")
    .option('--price <grid>', 'paid for each accepted update, in GRID', '0.01')
    .option('--round-timeout <seconds>', 'how long a round waits for updates', '60')
    .option('--timeout <seconds>', 'how long the whole run may take', '3600')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'client key in the data directory', 'client')
    .action(async (flags: RunFlags, command: Command) => {
      const strategy = FL_STRATEGIES.find((s) => s === flags.strategy);
      if (!strategy)
        throw new IdlegridError('INVALID_ARGUMENT', `--strategy must be one of ${FL_STRATEGIES.join(', ')}`);
      const dpLevel = DP_LEVELS.find((l) => l === flags.dpLevel);
      if (!dpLevel)
        throw new IdlegridError('INVALID_ARGUMENT', `--dp-level must be one of ${DP_LEVELS.join(', ')}`);
      const { ctx, out, dataDir } = await jobsContext(command);
      const node = await import('@idlegrid/node');
      const sdk = await import('@idlegrid/sdk');
      const clients = positive(flags.clients, '--clients');
      const settings: FlSettingsInput = {
        rounds: positive(flags.rounds, '--rounds'),
        clientsPerRound: clients,
        minClients: flags.minClients ? positive(flags.minClients, '--min-clients') : clients,
        localEpochs: positive(flags.epochs, '--epochs'),
        ...(flags.localSteps ? { localSteps: positive(flags.localSteps, '--local-steps') } : {}),
        batchSize: positive(flags.batchSize, '--batch-size'),
        learningRate: positive(flags.lr, '--lr', false),
        strategy: strategy as FlStrategy,
        proximalMu: strategy === 'fedprox' ? positive(flags.mu, '--mu', false) : 0,
        clipNorm: positive(flags.clip, '--clip', false),
        secureAggregation: flags.secureAggregation === true,
        roundTimeoutSeconds: positive(flags.roundTimeout, '--round-timeout'),
        ...(flags.dpEpsilon
          ? {
              dp: {
                level: dpLevel,
                epsilon: positive(flags.dpEpsilon, '--dp-epsilon', false),
                delta: positive(flags.dpDelta, '--dp-delta', false),
                noiseMultiplier: positive(flags.noiseMultiplier, '--noise-multiplier', false),
              },
            }
          : {}),
      };
      // Checked here first: a bad flag is told at once, before anything loads or uploads.
      sdk.checkedSettings(settings);
      const bundle =
        flags.model === node.MNIST_MLP
          ? await node.mnistMlpBundle((await node.loadTfjs()).tf)
          : await readUserFile(flags.model, '--model');
      const test = await testSet(dataDir, flags.test, node);
      out.step(`uploading the model (${bundle.byteLength} bytes)`);
      const modelCid = await sdk.uploadArtifact(ctx, bundle);
      const history: {
        round: number;
        participants: number;
        dropped: number;
        accuracy: number | null;
        loss: number | null;
        epsilon: number | null;
      }[] = [];
      let last: { accuracy: number; loss: number } | undefined;
      const { run, paid } = await sdk.runFederated(
        ctx,
        {
          modelCid,
          dataset: flags.dataset,
          settings,
          pricePerUpdate: parseAmount(flags.price, '--price'),
          timeoutSeconds: positive(flags.timeout, '--timeout'),
        },
        {
          // Measured before each round is paid, so that the measure goes with the payment.
          ...(test
            ? {
                evaluate: async (round, current) =>
                  (last = await node.evaluateBundle(
                    await sdk.federatedModel(ctx, current.id, round.round),
                    test,
                  )),
              }
            : {}),
          onRound: async (round, current) => {
            history.push({
              round: round.round,
              participants: round.participants.length,
              dropped: round.dropped.length,
              accuracy: last?.accuracy ?? null,
              loss: last?.loss ?? round.loss,
              epsilon: round.epsilon,
            });
            out.progress(
              round.round + 1,
              current.settings.rounds,
              `loss ${(last?.loss ?? round.loss ?? Number.NaN).toFixed(3)}${last ? ` accuracy ${(100 * last.accuracy).toFixed(1)}%` : ''} · ${round.participants.length} took part, ${round.dropped.length} dropped${round.epsilon === null ? '' : ` · ε ${round.epsilon.toFixed(2)}`}`,
            );
          },
        },
      );
      const final = history.at(-1);
      const result = {
        id: run.id,
        state: run.state,
        /** Why it stopped early (a spent privacy budget), if it did. */
        stopped: run.reason,
        rounds: run.roundsDone,
        accuracy: final?.accuracy ?? null,
        loss: final?.loss ?? null,
        epsilon: final?.epsilon ?? null,
        delta: settings.dp?.delta ?? null,
        history,
        paid: paid.toString(),
      };
      out.result(result, () =>
        [
          `federated run ${run.id}: ${run.roundsDone} rounds on ${flags.dataset}`,
          run.reason ? `stopped early: ${run.reason}` : '',
          result.accuracy === null
            ? ''
            : `accuracy ${(100 * result.accuracy).toFixed(1)}% on ${test?.count} held-out records`,
          `paid ${formatTokens(paid)} for ${run.rounds.reduce((n, r) => n + r.participants.length, 0)} updates`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });

  fl.command('status <id>')
    .description('a federated run and its rounds')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'client key in the data directory', 'client')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const run = await (await import('@idlegrid/sdk')).getFederatedRun(ctx, id);
      out.result(run, () =>
        [
          `${run.id} ${run.state}${run.reason ? ` (${run.reason})` : ''}: ${run.roundsDone}/${run.settings.rounds} rounds, ${run.settings.strategy} on ${run.dataset}`,
          table([
            ['ROUND', 'TOOK PART', 'DROPPED', 'REJECTED', 'LOSS', 'ε'],
            ...run.rounds.map((r) => [
              String(r.round),
              String(r.participants.length),
              String(r.dropped.length),
              String(r.rejected.length),
              r.loss === null ? '-' : r.loss.toFixed(3),
              r.epsilon === null ? '-' : r.epsilon.toFixed(2),
            ]),
          ]),
        ].join('\n'),
      );
    });

  fl.command('list')
    .description('the newest federated runs (yours with --mine)')
    .option('--mine', "only the client key's runs")
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'client key in the data directory', 'client')
    .action(async (flags: { mine?: boolean }, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const runs = await (await import('@idlegrid/sdk')).listFederatedRuns(
        ctx,
        flags.mine ? ctx.signer.address : undefined,
      );
      out.result(runs, () =>
        runs.length
          ? table([
              ['ID', 'STATE', 'ROUNDS', 'STRATEGY', 'DATASET'],
              ...runs.map((r) => [
                r.id,
                r.state,
                `${r.roundsDone}/${r.settings.rounds}`,
                r.settings.strategy,
                r.dataset,
              ]),
            ])
          : 'no federated runs yet: idlegrid fl run --model mnist-mlp --dataset mnist',
      );
    });
}

/** The client's held-out test set: --test, else the one localnet kept for it. */
async function testSet(dataDir: string, dir: string | undefined, node: typeof import('@idlegrid/node')) {
  let testDir = dir;
  if (!testDir) {
    const localnet = await readFile(join(dataDir, 'localnet.json'), 'utf8').catch(() => undefined);
    testDir = localnet ? (JSON.parse(localnet) as { flTestDir?: string }).flTestDir : undefined;
  }
  if (!testDir) return undefined;
  const { checkDataset } = node;
  return node.readDatasetArrays(testDir, await checkDataset(testDir));
}
