import { ensureNetwork } from '@idlegrid/node';
import { connect, getBalances } from '@idlegrid/sdk';
import type { Command } from 'commander';
import { contextOf, untilInterrupted } from '../context.js';
import { formatEth, formatTokens, table } from '../format.js';

export function registerChainCommands(chain: Command): void {
  chain
    .command('start')
    .description(
      'start the embedded chain (or connect to RPC_URL), deploy the contracts on first start, keep running',
    )
    .option('--port <port>', 'JSON-RPC port of the embedded chain (0 picks a free one)')
    .action(async (options: { port?: string }, command: Command) => {
      const { config, out } = await contextOf(command, options.port ? { chainPort: options.port } : {});
      out.step(
        config.rpcUrl ? `connecting to ${config.rpcUrl}` : `starting the embedded chain in ${config.dataDir}`,
      );
      const running = await ensureNetwork(config);
      try {
        const treasury = await getBalances(connect(running.network), running.funder.address);
        const info = { ...running.network, deployed: running.deployed, dataDir: config.dataDir, treasury };
        out.result(info, () =>
          [
            `${running.deployed ? 'deployed contracts' : 'resumed network'} on chain ${running.network.chainId}`,
            table([
              ['RPC', running.network.rpcUrl],
              ['GridToken', running.network.token],
              ['Staking', running.network.staking],
              ['PaymentChannels', running.network.paymentChannels],
              ['Governor', running.network.governor],
              ['Timelock', running.network.timelock],
              [
                'treasury',
                `${treasury.address}  ${formatTokens(treasury.tokens)}  ${formatEth(treasury.eth)}`,
              ],
              ['data', config.dataDir],
            ]),
            running.anvil ? 'chain running; Ctrl-C to stop (state is saved)' : 'connected',
          ].join('\n'),
        );
        if (running.anvil) await untilInterrupted();
      } finally {
        await running.stop();
      }
    });
}
