import { IdlegridError } from '@idlegrid/protocol/light';
import { keyAddress, listKeys } from '@idlegrid/sdk/key-files';
import type { Command } from 'commander';
import { contextOf, dataDirOf } from '../context.js';
import { formatEth, formatTokens, parseAmount, table } from '../format.js';

// `new` and `list` touch key files only; the chain stack loads for balance and fund alone.
interface TargetOptions {
  name: string;
  address?: string;
}

async function targetAddress(dataDir: string, options: TargetOptions): Promise<`0x${string}`> {
  if (options.address === undefined) return keyAddress(dataDir, options.name);
  const { getAddress, isAddress } = await import('viem');
  if (!isAddress(options.address))
    throw new IdlegridError('INVALID_ARGUMENT', `not an address: ${options.address}`);
  return getAddress(options.address);
}

export function registerWalletCommands(wallet: Command): void {
  wallet
    .command('new')
    .description('create a new key in the data directory (file mode 0600)')
    .option('--name <name>', 'key name (the client key, as job run uses)', 'client')
    .action(async (options: { name: string }, command: Command) => {
      const { dataDir, out } = dataDirOf(command);
      const { createKey } = await import('@idlegrid/sdk');
      const account = await createKey(dataDir, options.name);
      out.result(
        { name: options.name, address: account.address },
        () => `${options.name}: ${account.address}`,
      );
    });

  wallet
    .command('list')
    .description('list the keys in the data directory')
    .action(async (_options: unknown, command: Command) => {
      const { dataDir, out } = dataDirOf(command);
      const keys: { name: string; address: string }[] = [];
      for (const name of await listKeys(dataDir))
        keys.push({ name, address: await keyAddress(dataDir, name) });
      out.result(keys, () =>
        keys.length ? table(keys.map((k) => [k.name, k.address])) : 'no keys yet: idlegrid wallet new',
      );
    });

  wallet
    .command('balance')
    .description('gas, tokens, channel deposit and stake of a key or address')
    .option('--name <name>', 'key name (the client key, as job run uses)', 'client')
    .option('--address <address>', 'any address instead of a key')
    .action(async (options: TargetOptions, command: Command) => {
      const { config, out } = await contextOf(command);
      const address = await targetAddress(config.dataDir, options);
      const { connect, getBalances, readNetworkConfig } = await import('@idlegrid/sdk');
      const balances = await getBalances(connect(await readNetworkConfig(config.dataDir)), address);
      out.result(balances, () =>
        table([
          ['address', address],
          ['gas', formatEth(balances.eth)],
          ['tokens', formatTokens(balances.tokens)],
          ['channel deposit', formatTokens(balances.deposit)],
          [
            'stake',
            `${formatTokens(balances.stakeBonded)} bonded, ${formatTokens(balances.stakeUnbonding)} unbonding`,
          ],
        ]),
      );
    });

  wallet
    .command('fund')
    .description('send gas and tokens from the local network faucet')
    .option('--name <name>', 'key name (the client key, as job run uses)', 'client')
    .option('--address <address>', 'any address instead of a key')
    .option('--tokens <amount>', 'GRID to send', '1000')
    .option('--eth <amount>', 'gas money to send', '10')
    .action(async (options: TargetOptions & { tokens: string; eth: string }, command: Command) => {
      const { config, out } = await contextOf(command);
      const grant = {
        to: await targetAddress(config.dataDir, options),
        tokens: parseAmount(options.tokens, '--tokens'),
        eth: parseAmount(options.eth, '--eth'),
      };
      const [{ FUNDER_KEY_NAME, fundFromFaucet }, { connect, getBalances, loadKey, readNetworkConfig }] =
        await Promise.all([import('@idlegrid/node'), import('@idlegrid/sdk')]);
      const network = await readNetworkConfig(config.dataDir);
      const funder = await loadKey(config.dataDir, FUNDER_KEY_NAME).catch((cause: unknown) => {
        throw new IdlegridError('FAUCET_UNAVAILABLE', 'this data directory holds no local network faucet', {
          cause,
        });
      });
      await fundFromFaucet(connect(network, funder), grant);
      const balances = await getBalances(connect(network), grant.to);
      out.result(
        balances,
        () => `funded ${grant.to}: now ${formatTokens(balances.tokens)}, ${formatEth(balances.eth)}`,
      );
    });
}
