import {
  EarningsWallet,
  formatAvailability,
  type ProviderEvent,
  parseAdversary,
  parseAvailability,
  startProvider,
} from '@idlegrid/node/provider';
import { IdlegridError, networkDomain } from '@idlegrid/protocol';
import { connect, loadOrCreateKey, readNetworkConfig } from '@idlegrid/sdk/core';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorClient } from '../coordinator-url.js';
import { formatTokens, parseAmount, table } from '../format.js';

interface StartOptions {
  coordinatorP2p: string[];
  /** The --listen multiaddrs, false with --no-listen, absent for the default (loopback). */
  listen?: string[] | false;
  datasetsDir?: string;
  name: string;
  price: string;
  priceGpuSecond: string;
  priceGbSecond: string;
  price1kTokens: string;
  minJobSeconds?: string;
  maxJobSeconds?: string;
  region: string;
  availability: string;
  cores?: string;
  memoryGb?: string;
  redeemThreshold?: string;
  adversary?: string;
}

function positiveInt(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new IdlegridError('INVALID_ARGUMENT', `${what} must be a positive number, got "${text}"`);
  return value;
}

/** Human lines for the daemon's events (JSON mode stays one line on stdout, events go to stderr). */
function describe(event: ProviderEvent): string {
  switch (event.type) {
    case 'job.finished':
      return `job ${event.jobId} finished: exit ${event.exitCode} in ${event.durationMs} ms`;
    case 'job.refused':
      return `refused job ${event.jobId ?? '?'}: ${event.code}`;
    case 'payment':
      return `payment from ${event.client}: +${formatTokens(event.increase)}`;
    case 'redeemed':
      return `redeemed ${event.redemption.vouchers} voucher(s): ${formatTokens(event.redemption.amount)}`;
    default:
      return Object.entries(event)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(' ');
  }
}

export function registerProviderCommands(provider: Command): void {
  provider
    .command('start')
    .description('join a coordinator, offer this machine and run jobs until interrupted')
    .requiredOption(
      '--coordinator-p2p <multiaddr>',
      "the coordinator's p2p address (ending in /p2p/<peer id>); repeat it to name others, joined when the first cannot be",
      collectUrls,
    )
    .option('--name <name>', 'key name in the data directory (created on first start)', 'provider')
    .option('--price <tokens>', 'price per CPU-second, in tokens', '0.0001')
    .option('--price-gpu-second <tokens>', 'price per GPU-second, in tokens', '0')
    .option('--price-gb-second <tokens>', 'price per GiB of memory held per second, in tokens', '0')
    .option('--price-1k-tokens <tokens>', 'price per thousand LLM tokens, in tokens', '0')
    .option('--min-job-seconds <s>', 'take only jobs declared at least this long')
    .option(
      '--max-job-seconds <s>',
      'take only jobs declared at most this long; also the wall-time limit',
      '600',
    )
    .option('--region <region>', 'region announced in offers', '')
    .option(
      '--datasets-dir <dir>',
      "where this provider's datasets.json is (default: the data directory's, shared by its providers)",
    )
    .option(
      '--listen <multiaddr>',
      'p2p address to listen on, e.g. /ip4/0.0.0.0/tcp/4002 (repeatable; loopback on a free port by default)',
      collectUrls,
    )
    .option(
      '--no-listen',
      'open no p2p port (as behind a NAT): the provider dials its coordinators and is reached through their relays',
    )
    .option('--availability <policy>', 'always | window:22:00-07:00 | idle:0.5', 'always')
    .option('--cores <n>', 'cores to offer (default: all)')
    .option('--memory-gb <n>', 'memory to offer in GiB (default: all)')
    .option('--redeem-threshold <tokens>', 'redeem vouchers on-chain once this much is unredeemed')
    .option(
      '--adversary <mode>',
      'for verification tests only: cheat (wrong, wrong:P, lazy, collude:DIR, no-reveal, fake-cores:K, fake-gpu or sybil:N)',
    )
    .action(async (options: StartOptions, command: Command) => {
      const { config, out } = await contextOf(command);
      const cores = positiveInt(options.cores, '--cores');
      const memoryGb = positiveInt(options.memoryGb, '--memory-gb');
      const availability = parseAvailability(options.availability);
      const minJobSeconds = positiveInt(options.minJobSeconds, '--min-job-seconds');
      const maxJobSeconds = positiveInt(options.maxJobSeconds, '--max-job-seconds');
      const [coordinatorP2p, ...fallbackCoordinators] = options.coordinatorP2p;
      out.step(`joining ${coordinatorP2p}`);
      const adversary = options.adversary ? parseAdversary(options.adversary) : undefined;
      // sybil:N: one operator's N identities in this one process (for sybil-detection tests).
      const names = Array.from({ length: adversary?.kind === 'sybil' ? adversary.identities : 1 }, (_, i) =>
        i === 0 ? options.name : `${options.name}-sybil-${i + 1}`,
      );
      const startOne = (name: string) =>
        startProvider({
          dataDir: config.dataDir,
          coordinator: coordinatorP2p!,
          fallbackCoordinators,
          name,
          pricePerCpuSecond: parseAmount(options.price, '--price'),
          pricePerGpuSecond: parseAmount(options.priceGpuSecond, '--price-gpu-second'),
          pricePerGbSecond: parseAmount(options.priceGbSecond, '--price-gb-second'),
          pricePer1kTokens: parseAmount(options.price1kTokens, '--price-1k-tokens'),
          ...(minJobSeconds ? { minJobSeconds: Math.floor(minJobSeconds) } : {}),
          ...(maxJobSeconds ? { maxWallTimeMs: Math.floor(maxJobSeconds * 1000) } : {}),
          region: options.region,
          ...(options.datasetsDir ? { datasetsDir: options.datasetsDir } : {}),
          ...(options.listen === false ? { listen: [] } : options.listen ? { listen: options.listen } : {}),
          availability,
          hardware: {
            ...(cores ? { cpuCores: Math.floor(cores) } : {}),
            ...(memoryGb ? { memoryMb: Math.floor(memoryGb * 1024) } : {}),
          },
          ...(options.redeemThreshold
            ? { redeemThreshold: parseAmount(options.redeemThreshold, '--redeem-threshold') }
            : {}),
          ...(adversary && adversary.kind !== 'sybil' ? { adversary } : {}),
          onEvent: (event) => {
            if (!out.json) process.stderr.write(`▸ ${describe(event)}\n`);
          },
        });
      const daemons = await Promise.all(names.map(startOne));
      const daemon = daemons[0]!;
      try {
        const info = {
          address: daemon.address,
          ...(daemons.length > 1 ? { identities: daemons.map((one) => one.address) } : {}),
          peerId: daemon.peerId,
          p2pAddrs: daemon.multiaddrs(),
          hardware: daemon.hardware,
          availability: formatAvailability(availability),
        };
        out.result(info, () =>
          [
            table([
              ['address', daemon.address],
              ['peer id', daemon.peerId],
              ['cores', String(daemon.hardware.cpuCores)],
              ['memory', `${daemon.hardware.memoryMb} MB`],
              [
                'GPUs',
                daemon.hardware.gpus.map((gpu) => `${gpu.name} (${gpu.vramMb} MB)`).join(', ') || 'none',
              ],
              ['availability', info.availability],
            ]),
            'provider running; Ctrl-C to stop',
          ].join('\n'),
        );
        await untilInterrupted();
      } finally {
        await Promise.all(daemons.map((one) => one.stop()));
      }
    });

  provider
    .command('status [address]')
    .description(
      'how the coordinator sees this provider: online, jobs, reputation, and its drop-out risk with the reasons',
    )
    .option('--name <name>', 'key name of the provider (when no address is given)', 'provider')
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .action(
      async (
        address: string | undefined,
        options: { name: string; coordinator?: string[] },
        command: Command,
      ) => {
        // The SDK's root, loaded here only: `provider start` must not wait for it.
        const { describeClaim, describeRisk, getProvider, loadKey } = await import('@idlegrid/sdk');
        const { config, out } = await contextOf(command);
        const coordinator = await coordinatorClient(config.dataDir, options.coordinator);
        const who = address ?? (await loadKey(config.dataDir, options.name)).address;
        const status = await getProvider({ coordinator }, who);
        out.result(status, () =>
          table([
            ['provider', status.address],
            ['online', status.online ? 'yes' : 'no'],
            [
              'jobs',
              `${status.activeJobs} running, ${status.jobsCompleted} done, ${status.jobsFailed} failed`,
            ],
            ['reputation', status.reputation.toFixed(3)],
            ['risk', describeRisk(status.risk)],
            ...status.claims.map((claim): [string, string] => [
              `${claim.resource} claim`,
              describeClaim(claim),
            ]),
          ]),
        );
      },
    );

  provider
    .command('earnings')
    .description('vouchers held and how much of them is not redeemed yet')
    .option('--name <name>', 'key name of the provider', 'provider')
    .action(async (options: { name: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const { wallet } = await openWallet(config.dataDir, options.name);
      const summary = wallet.summary();
      out.result({ provider: wallet.provider, ...summary }, () =>
        table([
          ['provider', wallet.provider],
          ['clients', String(summary.clients)],
          ['earned', formatTokens(summary.earned)],
          ['redeemed', formatTokens(summary.redeemed)],
          ['unredeemed', formatTokens(summary.unredeemed)],
        ]),
      );
    });

  provider
    .command('redeem')
    .description('redeem every pending voucher on-chain now, in one transaction')
    .option('--name <name>', 'key name of the provider', 'provider')
    .action(async (options: { name: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const { wallet, network, account } = await openWallet(config.dataDir, options.name);
      const redemption = await wallet.redeem(connect(network, account));
      out.result(redemption ?? { vouchers: 0, amount: 0n }, () =>
        redemption
          ? `redeemed ${redemption.vouchers} voucher(s) for ${formatTokens(redemption.amount)} (tx ${redemption.hash})`
          : 'nothing to redeem',
      );
    });
}

async function openWallet(dataDir: string, name: string) {
  const network = await readNetworkConfig(dataDir);
  const account = await loadOrCreateKey(dataDir, name);
  const domain = networkDomain(network.chainId, network.paymentChannels);
  return { network, account, wallet: await EarningsWallet.open(dataDir, account.address, domain) };
}
