import { Command, CommanderError } from 'commander';

type Registrar = (command: Command) => void;

/**
 * Every top-level command, with what loads it. Only the command being run is loaded, so
 * `idlegrid --help` or `wallet list` never pays for the chain, libp2p or ML stacks.
 */
const COMMANDS: { name: string; description: string; load: () => Promise<Registrar> }[] = [
  {
    name: 'chain',
    description: 'the chain that settles payments, stake and slashing',
    load: async () => (await import('./commands/chain.js')).registerChainCommands,
  },
  {
    name: 'coordinator',
    description: 'market, scheduler, job store and HTTP API',
    load: async () => (await import('./commands/coordinator.js')).registerCoordinatorCommands,
  },
  {
    name: 'wallet',
    description: 'keys, balances and the local faucet',
    load: async () => (await import('./commands/wallet.js')).registerWalletCommands,
  },
  {
    name: 'localnet',
    description:
      'run a local network: chain, contracts, a coordinator and staked providers, then a demo workload',
    load: async () => (await import('./commands/localnet.js')).registerLocalnetCommand,
  },
  {
    name: 'provider',
    description: 'earn tokens by running jobs on this machine',
    load: async () => (await import('./commands/provider.js')).registerProviderCommands,
  },
  {
    name: 'job',
    description: 'run jobs on the network and follow them',
    load: async () => (await import('./commands/job.js')).registerJobCommands,
  },
  {
    name: 'model',
    description: 'models this machine serves as a provider',
    load: async () => (await import('./commands/model.js')).registerModelCommands,
  },
  {
    name: 'data',
    description: 'datasets this machine holds as a provider: listed in offers, never sent anywhere',
    load: async () => (await import('./commands/data.js')).registerDataCommands,
  },
  {
    name: 'fl',
    description: 'federated learning: train a model on providers that hold the data, which never leaves them',
    load: async () => (await import('./commands/fl.js')).registerFlCommands,
  },
  {
    name: 'apikey',
    description: 'API keys for the OpenAI-compatible API: capped session keys of a payment channel',
    load: async () => (await import('./commands/apikey.js')).registerApiKeyCommands,
  },
  {
    name: 'artifact',
    description: 'store files on the network, encrypted so that only you can read them, and fetch them',
    load: async () => (await import('./commands/artifact.js')).registerArtifactCommands,
  },
  {
    name: 'chat',
    description: "chat with a model the network serves, through the coordinator's OpenAI-compatible API",
    load: async () => (await import('./commands/chat.js')).registerChatCommand,
  },
  {
    name: 'ocr',
    description: 'read the text in PNG or JPEG images on a provider (PP-OCRv4, an onnx job), and pay for it',
    load: async () => (await import('./commands/ocr.js')).registerOcrCommand,
  },
  {
    name: 'device',
    description: 'a sensor that signs its readings and pushes them to a feed',
    load: async () => (await import('./commands/device.js')).registerDeviceCommands,
  },
  {
    name: 'feed',
    description:
      "feeds of device readings: scores and reasons, devices' reputation, buying a feed and its rewards",
    load: async () => (await import('./commands/feed.js')).registerFeedCommands,
  },
  {
    name: 'gov',
    description:
      "governance: propose, vote on and apply changes to the network's parameters, each with a forecast",
    load: async () => (await import('./commands/gov.js')).registerGovCommands,
  },
  {
    name: 'mcp',
    description: 'serve the network to AI agents (Model Context Protocol), spending from a capped wallet',
    load: async () => (await import('./commands/mcp.js')).registerMcpCommand,
  },
];

/** Global options that take a value: their value is not a command name. */
const VALUED_GLOBALS = new Set(['--data-dir', '--rpc-url']);

/** The top-level command that argv asks for (`help X` asks for X), if any. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.slice(2);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (VALUED_GLOBALS.has(word)) i++;
    else if (!word.startsWith('-'))
      return word === 'help' ? words.slice(i + 1).find((w) => !w.startsWith('-')) : word;
  }
  return undefined;
}

/** The CLI with every top-level command listed, and `load` of them fully registered (all by default). */
export async function buildProgram(load: readonly string[] = COMMANDS.map((c) => c.name)): Promise<Command> {
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
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description);
    if (load.includes(entry.name)) (await entry.load())(command);
  }
  return program;
}

/** Runs the CLI and returns the exit code: 0 on success, 1 on any error (printed with its code). */
export async function main(argv: string[]): Promise<number> {
  const wanted = requestedCommand(argv);
  try {
    const program = await buildProgram(wanted === undefined ? [] : [wanted]);
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const { Output } = await import('./output.js');
    return new Output(argv.includes('--json')).error(error);
  }
}
