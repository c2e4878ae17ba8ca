import { Command, CommanderError } from 'commander';
import { registerApiKeyCommands } from './commands/apikey.js';
import { registerChainCommands } from './commands/chain.js';
import { registerChatCommand } from './commands/chat.js';
import { registerCoordinatorCommands } from './commands/coordinator.js';
import { registerJobCommands } from './commands/job.js';
import { registerLocalnetCommand } from './commands/localnet.js';
import { registerModelCommands } from './commands/model.js';
import { registerOcrCommand } from './commands/ocr.js';
import { registerProviderCommands } from './commands/provider.js';
import { registerWalletCommands } from './commands/wallet.js';
import { Output } from './output.js';

export function buildProgram(): Command {
  const program = new Command('idlegrid')
    .description('idlegrid: an open decentralized compute network for AI')
    .option(
      '--data-dir <dir>',
      'keys, chain state and network config (default: $IDLEGRID_HOME or ~/.idlegrid)',
    )
    .option('--rpc-url <url>', 'use this JSON-RPC endpoint instead of the embedded chain (or RPC_URL)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  registerChainCommands(program);
  registerCoordinatorCommands(program);
  registerWalletCommands(program);
  registerLocalnetCommand(program);
  registerProviderCommands(program);
  registerJobCommands(program);
  registerModelCommands(program);
  registerApiKeyCommands(program);
  registerChatCommand(program);
  registerOcrCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code: 0 on success, 1 on any error (printed with its code). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return new Output(argv.includes('--json')).error(error);
  }
}
