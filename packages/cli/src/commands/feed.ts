import { IdlegridError, parseMessage, type SignedMessage } from '@idlegrid/protocol';
import type { Command } from 'commander';
import type { Address } from 'viem';
import { contextOf } from '../context.js';
import { COORDINATOR_HELP, collectUrls, coordinatorClient } from '../coordinator-url.js';
import { formatTokens, parseAmount, table } from '../format.js';
import { positive } from '../number-flags.js';
import { jobsContext } from './job.js';

interface ListedReading {
  device: string;
  seq: number;
  t: number;
  cell: string;
  v: Record<string, number>;
  quality?: { score: number; rewardable: boolean; reason?: string };
}

interface ListedDevice {
  device: string;
  owner: string;
  kind: string;
  reputation: number;
  scored: number;
  rewardable: number;
}

/** Feeds of device readings: their scored readings and devices, and buyers' fundings (docs/feeds.md). */
export function registerFeedCommands(feed: Command): void {
  feed
    .option('--coordinator <url>', COORDINATOR_HELP, collectUrls)
    .option('--key <name>', 'the buyer key in the data directory', 'client');

  feed
    .command('devices <feed>')
    .description("a feed's devices: reputation, readings scored and rewarded (worst first)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { config, out } = await contextOf(command);
      const client = await coordinatorClient(config.dataDir, command.optsWithGlobals().coordinator);
      const { devices } = (await client.getJson(`/v1/feeds/${encodeURIComponent(name)}/devices`)) as {
        devices: ListedDevice[];
      };
      out.result({ devices }, () =>
        table([
          ['device', 'kind', 'reputation', 'rewarded'],
          ...devices.map((d) => [
            d.device,
            d.kind,
            d.reputation.toFixed(3),
            `${d.rewardable} of ${d.scored}`,
          ]),
        ]),
      );
    });

  feed
    .command('readings <feed>')
    .description("a feed's latest readings, each with its score and, when it was not paid, why")
    .option('--device <address>', "only this device's")
    .option('--limit <n>', 'how many', '20')
    .action(async (name: string, options: { device?: string; limit: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const client = await coordinatorClient(config.dataDir, command.optsWithGlobals().coordinator);
      const query = new URLSearchParams({ limit: String(positive(options.limit, '--limit')) });
      if (options.device) query.set('device', options.device);
      const { readings } = (await client.getJson(
        `/v1/feeds/${encodeURIComponent(name)}/readings?${query}`,
      )) as {
        readings: ListedReading[];
      };
      out.result({ readings }, () =>
        table([
          ['device', 'seq', 'time', 'values', 'score', 'why'],
          ...readings.map((r) => [
            r.device.slice(0, 10),
            String(r.seq),
            new Date(r.t).toISOString().slice(0, 16),
            JSON.stringify(r.v),
            r.quality
              ? `${r.quality.score.toFixed(2)}${r.quality.rewardable ? ' paid' : ''}`
              : 'not scored yet',
            r.quality?.reason ?? '',
          ]),
        ]),
      );
    });

  feed
    .command('aggregates <feed>')
    .description(
      "per cell, a quantity's mean over the rewarded readings, each device once; cells of fewer than k devices withheld",
    )
    .requiredOption('--quantity <name>', 'e.g. temperature')
    .option('--hours <h>', 'over the last this many hours', '24')
    .option('--k <n>', 'fewest devices a cell shown has', '5')
    .option('--epsilon <e>', 'Laplace noise on each mean, ε-DP per device')
    .action(
      async (
        name: string,
        options: { quantity: string; hours: string; k: string; epsilon?: string },
        command: Command,
      ) => {
        const { config, out } = await contextOf(command);
        const { feedAggregates } = await import('@idlegrid/sdk');
        const client = await coordinatorClient(config.dataDir, command.optsWithGlobals().coordinator);
        const until = Date.now();
        const result = await feedAggregates({ coordinator: client }, name, {
          quantity: options.quantity,
          from: until - Math.round(positive(options.hours, '--hours', false) * 3_600_000),
          until,
          k: positive(options.k, '--k'),
          ...(options.epsilon ? { epsilon: positive(options.epsilon, '--epsilon', false) } : {}),
        });
        out.result(result, () =>
          [
            table([
              ['cell', 'devices', 'readings', `mean ${options.quantity}`],
              ...result.cells.map((c) => [c.cell, String(c.devices), String(c.readings), c.mean.toFixed(2)]),
            ]),
            `${result.withheld} cells withheld (fewer than ${options.k} devices)`,
          ].join('\n'),
        );
      },
    );

  feed
    .command('report <feed>')
    .description(
      "a report over the feed's verified readings, run and paid as a WASM job, stored as an artifact with the Merkle root of its readings",
    )
    .requiredOption(
      '--kind <kind>',
      "anomalies (hourly means far from the cell's) or disagreement (devices apart)",
    )
    .requiredOption('--quantity <name>', 'e.g. temperature')
    .option(
      '--threshold <x>',
      "anomalies: standard deviations (default 2.5); disagreement: the quantity's unit (default 3)",
    )
    .option('--hours <h>', 'over the last this many hours', '24')
    .option('--max-price <grid>', 'most paid for the job', '0.1')
    .option(
      '--summary-model <name>',
      "summarize the findings with this model through the network's /v1/chat/completions",
    )
    .action(
      async (
        name: string,
        options: {
          kind: string;
          quantity: string;
          threshold?: string;
          hours: string;
          maxPrice: string;
          summaryModel?: string;
        },
        command: Command,
      ) => {
        if (options.kind !== 'anomalies' && options.kind !== 'disagreement')
          throw new IdlegridError(
            'INVALID_ARGUMENT',
            `--kind is anomalies or disagreement, not "${options.kind}"`,
          );
        const { ctx, out, dataDir } = await jobsContext(command);
        const sdk = await import('@idlegrid/sdk');
        const { readExampleModule } = await import('@idlegrid/node');
        const until = Date.now();
        const from = until - Math.round(positive(options.hours, '--hours', false) * 3_600_000);
        const summaryModel = options.summaryModel;
        const summarize = summaryModel
          ? async (prompt: string) => {
              const flags = command.optsWithGlobals<{ key: string; coordinator?: string[] }>();
              const answer = await sdk.chat({
                coordinatorUrl: ctx.coordinator.url,
                apiKey:
                  process.env.IDLEGRID_API_KEY ??
                  (await sdk.loadApiKey(dataDir, flags.key, sdk.apiKeyName(flags.key))),
                model: summaryModel,
                messages: [{ role: 'user', content: prompt }],
                maxTokens: 200,
              });
              return answer.text;
            }
          : undefined;
        out.step(`running the ${options.kind} report over ${options.hours} h of ${name}`);
        const { report, cid } = await sdk.runFeedReport(ctx, {
          feed: name,
          quantity: options.quantity,
          kind: options.kind,
          threshold: positive(
            options.threshold ?? (options.kind === 'anomalies' ? '2.5' : '3'),
            '--threshold',
            false,
          ),
          from,
          until,
          module: await readExampleModule('feed-report'),
          maxPrice: parseAmount(options.maxPrice, '--max-price'),
          ...(summarize ? { summarize } : {}),
        });
        out.result({ cid, report }, () =>
          [
            `report ${cid}: ${report.readings} verified readings (Merkle root ${report.merkleRoot}), job ${report.job.id.slice(0, 10)} on ${report.job.provider ?? '-'}`,
            report.output.trim() || 'nothing found',
            ...(report.summary ? ['', report.summary] : []),
          ].join('\n'),
        );
      },
    );

  feed
    .command('consent <feed>')
    .description(
      "as a device owner, grant or revoke consent to a feed ('' every feed); revoking erases your readings",
    )
    .option('--revoke', 'revoke (the default grants)')
    .option('--owner <key>', "the owner's key in the data directory", 'client')
    .action(async (name: string, options: { revoke?: boolean; owner: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const sdk = await import('@idlegrid/sdk');
      const { networkDomain } = await import('@idlegrid/protocol');
      const [signer, coordinator, network] = await Promise.all([
        sdk.loadKey(config.dataDir, options.owner),
        coordinatorClient(config.dataDir, command.optsWithGlobals().coordinator),
        sdk.readNetworkConfig(config.dataDir),
      ]);
      const ctx = { coordinator, signer, domain: networkDomain(network.chainId, network.paymentChannels) };
      const { erased } = await sdk.setFeedConsent(ctx, name, !options.revoke);
      out.result({ feed: name, granted: !options.revoke, erased }, () =>
        options.revoke
          ? `consent to ${name || 'every feed'} revoked; ${erased} readings erased`
          : `consent to ${name || 'every feed'} granted`,
      );
    });

  feed
    .command('fund <feed>')
    .description(
      'buy a feed: pay device owners for each reading above the quality threshold, within a budget',
    )
    .requiredOption('--price <grid>', 'paid for each rewarded reading, in GRID')
    .requiredOption('--budget <grid>', 'the most paid in all, in GRID (your deposit must cover it)')
    .option('--from <time>', 'readings measured from this time are paid (ISO 8601; default now)')
    .option('--hours <h>', 'for this long', '24')
    .action(
      async (
        name: string,
        options: { price: string; budget: string; from?: string; hours: string },
        command: Command,
      ) => {
        const { ctx, out } = await jobsContext(command);
        const { fundFeed } = await import('@idlegrid/sdk');
        const start = options.from === undefined ? Date.now() : Date.parse(options.from);
        if (!Number.isFinite(start))
          throw new IdlegridError(
            'INVALID_ARGUMENT',
            `--from is a time like 2026-12-07T10:00:00Z, not "${options.from}"`,
          );
        const from = BigInt(Math.floor(start / 1_000));
        const funding = await fundFeed(ctx, {
          feed: name,
          pricePerReading: parseAmount(options.price, '--price'),
          budget: parseAmount(options.budget, '--budget'),
          from,
          until: from + BigInt(Math.round(positive(options.hours, '--hours', false) * 3_600)),
        });
        out.result(
          { funding },
          () =>
            `funding ${funding.id}: ${formatTokens(funding.pricePerReading)} a reading, up to ${formatTokens(funding.budget)}`,
        );
      },
    );

  feed
    .command('pay <funding>')
    .description('pay the owners what a funding owes them, by voucher (--watch: as readings are scored)')
    .option('--watch <seconds>', 'pay again every this many seconds until the budget is spent')
    .action(async (id: string, options: { watch?: string }, command: Command) => {
      const { ctx, out } = await jobsContext(command);
      const { payFeedRewards } = await import('@idlegrid/sdk');
      for (;;) {
        const { funding, vouchers } = await payFeedRewards(ctx, id);
        const paid = funding.owners.reduce((sum, o) => sum + o.paid, 0n);
        out.result(
          { funding, vouchers: vouchers.length },
          () =>
            `${vouchers.length} vouchers; ${formatTokens(paid)} paid to ${funding.owners.length} owners of ${formatTokens(funding.budget)}`,
        );
        if (!options.watch || funding.spent + funding.pricePerReading > funding.budget) return;
        await new Promise((resolve) =>
          setTimeout(resolve, positive(options.watch!, '--watch', false) * 1_000),
        );
      }
    });

  feed
    .command('rewards')
    .description("what your devices earned from each funding (--redeem: cash the buyers' vouchers on chain)")
    .option('--owner <key>', "the owner's key in the data directory", 'client')
    .option('--redeem', 'redeem the latest voucher of each buyer')
    .action(async (options: { owner: string; redeem?: boolean }, command: Command) => {
      const { config, out } = await contextOf(command);
      const sdk = await import('@idlegrid/sdk');
      const [owner, client] = await Promise.all([
        sdk.loadKey(config.dataDir, options.owner),
        coordinatorClient(config.dataDir, command.optsWithGlobals().coordinator),
      ]);
      const rewards = await sdk.feedRewards({ coordinator: client }, owner.address as Address);
      let redeemed: string | undefined;
      if (options.redeem) {
        const vouchers = [
          ...new Map(rewards.flatMap((r) => (r.voucher ? [[r.buyer, r.voucher]] : []))).values(),
        ];
        if (vouchers.length === 0) throw new IdlegridError('INVALID_ARGUMENT', 'no voucher to redeem yet');
        const { redeemVouchers } = await import('@idlegrid/node');
        const network = await sdk.readNetworkConfig(config.dataDir);
        const sent = await redeemVouchers(
          sdk.connect(network, owner),
          vouchers.map((wire) => {
            const { message, signature } = wire as { message: unknown; signature: `0x${string}` };
            return {
              kind: 'Voucher',
              message: parseMessage('Voucher', message),
              signature,
            } as SignedMessage<'Voucher'>;
          }),
        );
        redeemed = sent.hash;
      }
      out.result({ rewards, ...(redeemed ? { redeemed } : {}) }, () =>
        [
          table([
            ['funding', 'feed', 'buyer', 'readings', 'owed', 'paid'],
            ...rewards.map((r) => [
              r.fundingId.slice(0, 10),
              r.feed,
              r.buyer.slice(0, 10),
              String(r.readings),
              formatTokens(r.owed),
              formatTokens(r.paid),
            ]),
          ]),
          ...(redeemed ? [`redeemed in ${redeemed}`] : []),
        ].join('\n'),
      );
    });
}
