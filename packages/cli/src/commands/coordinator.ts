import {
  activeCoordinators,
  coordinatorRecord,
  deregisterCoordinator,
  MALLOC_TUNABLES,
  mallocTuned,
  mergeApiLimits,
  registerCoordinator,
  startCoordinator,
  withdrawCoordinatorBond,
} from '@idlegrid/node';
import { IdlegridError } from '@idlegrid/protocol/light';
import { connect, loadKey, loadOrCreateKey, loadPrivateKey, readNetworkConfig } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { collectUrls } from '../coordinator-url.js';
import { formatTokens, parseAmount, table } from '../format.js';
import { type LimitFlags, limitOptions, limitSettingsOf } from './limit-flags.js';

interface CoordinatorFlags extends LimitFlags {
  name: string;
  host: string;
  apiPort: string;
  healthPort?: string;
  p2pPort: string;
  databaseUrl?: string;
  placement: string;
  peer?: string[];
  listen?: string[];
  announce?: string[];
  storeDir?: string;
  cluster?: boolean;
  /** False with --no-hardware-challenges. */
  hardwareChallenges: boolean;
  /** False with --no-sybil-caps. */
  sybilCaps: boolean;
}

const POLICIES = ['learned', 'cheapest', 'random'] as const;

export function registerCoordinatorCommands(coordinator: Command): void {
  const start = coordinator
    .command('start')
    .description('run a coordinator for the network in the data directory until Ctrl-C')
    .option('--name <name>', 'key name of the coordinator', 'coordinator')
    .option('--host <host>', 'address the HTTP API and p2p listen on', '127.0.0.1')
    .option('--api-port <port>', 'HTTP API port (0 picks a free one)', '7070')
    .option(
      '--health-port <port>',
      'also answer GET /healthz on this port, for monitors: it has its own connection queue (0 picks a free one)',
    )
    .option('--p2p-port <port>', 'libp2p TCP port (0 picks a free one)', '0')
    .option(
      '--listen <multiaddr>',
      'p2p address to listen on instead of --host and --p2p-port, e.g. /ip4/0.0.0.0/tcp/4001 (repeatable)',
      collectUrls,
    )
    .option(
      '--announce <multiaddr>',
      'a public p2p address to tell peers, e.g. /ip4/203.0.113.7/tcp/4001 (repeatable): providers behind a NAT dial it to leave the relay',
      collectUrls,
    )
    .option(
      '--database-url <url>',
      'PostgreSQL URL (or DATABASE_URL); SQLite in the data directory otherwise',
    )
    .option('--placement <policy>', `how jobs are placed: ${POLICIES.join(', ')}`, 'learned')
    .option(
      '--peer <multiaddr>',
      "another coordinator's p2p address: the mesh is joined through it (repeatable)",
      collectUrls,
    )
    .option(
      '--cluster',
      'one of a cluster sharing --database-url: runs the jobs it accepts, and takes over those of one that dies',
    )
    .option(
      '--store-dir <dir>',
      'where its SQLite database and artifacts are kept (default: the data directory)',
    )
    .option(
      '--no-sybil-caps',
      'show suspected sybil clusters without capping their work (a local network, whose providers share one machine)',
    )
    .option(
      '--no-hardware-challenges',
      "never challenge providers' hardware claims (proof of hardware): for providers you run and trust",
    );
  limitOptions(start).action(async (options: CoordinatorFlags, command: Command) => {
    const { config, out } = await contextOf(command);
    const placementPolicy = POLICIES.find((policy) => policy === options.placement);
    if (!placementPolicy)
      throw new IdlegridError('INVALID_ARGUMENT', `--placement must be one of ${POLICIES.join(', ')}`);
    if (process.platform === 'linux' && !mallocTuned())
      out.step(`for memory that stays flat under load, start it with GLIBC_TUNABLES=${MALLOC_TUNABLES}`);
    const network = await readNetworkConfig(config.dataDir);
    await loadOrCreateKey(config.dataDir, options.name);
    const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
    const running = await startCoordinator({
      dataDir: options.storeDir ?? config.dataDir,
      network,
      privateKey: await loadPrivateKey(config.dataDir, options.name),
      apiHost: options.host,
      apiPort: Number(options.apiPort),
      ...(options.healthPort === undefined ? {} : { healthPort: Number(options.healthPort) }),
      p2pListen: options.listen ?? [`/ip4/${options.host}/tcp/${Number(options.p2pPort)}`],
      ...(options.announce ? { p2pAnnounce: options.announce } : {}),
      ...(databaseUrl ? { databaseUrl } : {}),
      placementPolicy,
      limits: mergeApiLimits(config.limits, limitSettingsOf(options)),
      ...(options.peer?.length ? { peers: options.peer } : {}),
      ...(options.cluster ? { cluster: true } : {}),
      ...(options.hardwareChallenges ? {} : { hardwareChallenges: false as const }),
      ...(options.sybilCaps ? {} : { sybilCaps: false }),
    });
    try {
      const info = {
        address: running.address,
        peerId: running.peerId,
        apiUrl: running.apiUrl,
        ...(running.healthUrl ? { healthUrl: running.healthUrl } : {}),
        p2pAddrs: running.p2pAddrs,
      };
      out.result(info, () =>
        [
          table([
            ['coordinator', running.address],
            ['HTTP API', running.apiUrl],
            ...(running.healthUrl ? [['health', `${running.healthUrl}/healthz`]] : []),
            ['p2p', running.p2pAddrs.join(' ')],
            [
              'store',
              databaseUrl
                ? `PostgreSQL${options.cluster ? ' (a cluster)' : ''}`
                : `SQLite in ${options.storeDir ?? config.dataDir}`,
            ],
          ]),
          'coordinator running; Ctrl-C to stop',
        ].join('\n'),
      );
      await untilInterrupted();
    } finally {
      await running.stop();
    }
  });

  registerRegistryCommands(coordinator);
}

/** The CoordinatorRegistry: bonding a coordinator, leaving, and listing the active ones. */
function registerRegistryCommands(coordinator: Command): void {
  const signer = async (command: Command, name: string) => {
    const { config, out } = await contextOf(command);
    const network = await readNetworkConfig(config.dataDir);
    return { out, network, ctx: connect(network, await loadKey(config.dataDir, name)) };
  };
  const describe = (record: { account: string; bonded: bigint; releaseAt: bigint }) =>
    table([
      ['coordinator', record.account],
      ['bond', formatTokens(record.bonded)],
      [
        'state',
        record.releaseAt === 0n ? 'registered' : `leaving: withdrawable at ${isoOf(record.releaseAt)}`,
      ],
    ]);

  coordinator
    .command('register')
    .description('bond GRID in the CoordinatorRegistry: providers join and obey only registered coordinators')
    .option('--name <name>', 'key name of the coordinator', 'coordinator')
    .option('--stake <amount>', 'GRID to add to the bond (the first bond must reach the minimum)', '0')
    .option('--p2p <multiaddr>', 'p2p address to publish (a running coordinator publishes its own)', '')
    .option('--api-url <url>', 'HTTP API to publish (a running coordinator publishes its own)', '')
    .action(
      async (options: { name: string; stake: string; p2p: string; apiUrl: string }, command: Command) => {
        const { out, network, ctx } = await signer(command, options.name);
        const amount = parseAmount(options.stake, '--stake');
        await registerCoordinator(ctx, amount, { p2p: options.p2p, apiUrl: options.apiUrl });
        const record = await coordinatorRecord(network, ctx.wallet.account.address);
        out.result(record, () => describe(record));
      },
    );

  coordinator
    .command('deregister')
    .description('stop being a registered coordinator now; the bond unlocks after the unbonding delay')
    .option('--name <name>', 'key name of the coordinator', 'coordinator')
    .action(async (options: { name: string }, command: Command) => {
      const { out, network, ctx } = await signer(command, options.name);
      await deregisterCoordinator(ctx);
      const record = await coordinatorRecord(network, ctx.wallet.account.address);
      out.result(record, () => describe(record));
    });

  coordinator
    .command('withdraw')
    .description("take back a deregistered coordinator's bond once the unbonding delay has passed")
    .option('--name <name>', 'key name of the coordinator', 'coordinator')
    .action(async (options: { name: string }, command: Command) => {
      const { out, ctx } = await signer(command, options.name);
      const { hash } = await withdrawCoordinatorBond(ctx);
      out.result({ transaction: hash }, () => `bond withdrawn (${hash})`);
    });

  coordinator
    .command('list')
    .description('the active coordinators of the registry, with the endpoints they published')
    .action(async (_options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const active = await activeCoordinators(await readNetworkConfig(config.dataDir));
      out.result(active, () =>
        active.length
          ? table(active.map((c) => [c.account, formatTokens(c.bonded), c.apiUrl || '-', c.p2p || '-']))
          : 'no coordinator is registered: idlegrid coordinator register --stake AMOUNT',
      );
    });
}

const isoOf = (unixSeconds: bigint) => new Date(Number(unixSeconds) * 1000).toISOString();
