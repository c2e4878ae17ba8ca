import { ONE_TOKEN } from '@idlegrid/contracts';
import { payProviders, startLocalnet } from '@idlegrid/node';
import { IdlegridError } from '@idlegrid/protocol';
import { connect, getBalances } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { formatEth, formatTokens, table } from '../format.js';

interface LocalnetFlags {
  providers: string;
  port?: string;
  once?: boolean;
}

export function registerLocalnetCommand(program: Command): void {
  program
    .command('localnet')
    .description('run a local network: embedded chain, contracts, a funded client and staked providers')
    .option('--providers <n>', 'number of providers', '3')
    .option('--port <port>', 'JSON-RPC port of the embedded chain (0 picks a free one)')
    .option('--once', 'stop after the payment check instead of running until Ctrl-C')
    .action(async (options: LocalnetFlags, command: Command) => {
      const providers = Number(options.providers);
      if (!Number.isInteger(providers) || providers < 1 || providers > 32) {
        throw new IdlegridError('INVALID_ARGUMENT', '--providers must be an integer from 1 to 32');
      }
      const { config, out } = await contextOf(command, options.port ? { chainPort: options.port } : {});
      const localnet = await startLocalnet(config, { providers, onStep: (message) => out.step(message) });
      try {
        out.step('payment check: the client pays each provider 1 GRID by voucher; each redeems on-chain');
        const payments = await payProviders(localnet, ONE_TOKEN);
        const { network } = localnet.running;
        const reader = connect(network);
        const parties = [
          { role: 'treasury', name: 'funder', address: localnet.running.funder.address },
          { role: 'client', name: localnet.client.name, address: localnet.client.account.address },
          ...localnet.providers.map((p) => ({ role: 'provider', name: p.name, address: p.account.address })),
        ];
        const balances = await Promise.all(parties.map((p) => getBalances(reader, p.address)));
        const summary = {
          network,
          dataDir: config.dataDir,
          payments,
          parties: parties.map((p, i) => ({ ...p, ...balances[i] })),
        };
        out.result(summary, () =>
          [
            '',
            table([
              ['contract', 'address'],
              ['GridToken', network.token],
              ['Staking', network.staking],
              ['PaymentChannels', network.paymentChannels],
            ]),
            '',
            table([
              ['role', 'name', 'address', 'gas', 'tokens', 'deposit', 'stake'],
              ...parties.map((p, i) => {
                const b = balances[i]!;
                return [
                  p.role,
                  p.name,
                  p.address,
                  formatEth(b.eth),
                  formatTokens(b.tokens),
                  formatTokens(b.deposit),
                  formatTokens(b.stakeBonded),
                ];
              }),
            ]),
            '',
            table([
              ['provider', 'paid so far', 'voucher nonce', 'redeem gas'],
              ...payments.map((p) => [
                p.provider,
                formatTokens(p.cumulativeAmount),
                String(p.nonce),
                String(p.gasUsed),
              ]),
            ]),
            '',
            `RPC ${network.rpcUrl} (chain ${network.chainId}); data in ${config.dataDir}; see localnet.json`,
            options.once
              ? 'stopping (--once); run again to resume the same state'
              : 'localnet running; Ctrl-C to stop',
          ].join('\n'),
        );
        if (!options.once) await untilInterrupted();
      } finally {
        await localnet.stop();
      }
    });
}
