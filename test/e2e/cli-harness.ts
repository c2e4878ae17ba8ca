import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../packages/cli/bin/idlegrid.js', import.meta.url));
/** An example WASI module's path (packages/node/examples/wasm). */
export const exampleWasm = (name: 'hash-chain' | 'primes' | 'image-filter') =>
  fileURLToPath(new URL(`../../packages/node/examples/wasm/build/${name}.wasm`, import.meta.url));

/**
 * `job run` of the hash chain (two rounds), paid by the client's wallet: through one coordinator,
 * or those localnet.json lists when none is given.
 */
export const runHashChainVia = (dataDir: string, coordinatorUrl?: string) =>
  runCli([
    '--data-dir',
    dataDir,
    '--json',
    'job',
    ...(coordinatorUrl ? ['--coordinator', coordinatorUrl] : []),
    'run',
    '--wasm',
    exampleWasm('hash-chain'),
    '--args',
    '2',
    '--max-price',
    '1',
  ]);
/** Every command a test starts watches its stdin pipe and ends with the test's process, however that ends. */
const TIED = { IDLEGRID_EXIT_WITH_PARENT: '1' };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of whatever the command printed
  json: any;
}

/** Runs the real `idlegrid` binary as a separate process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 170_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...TIED, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}

/**
 * Starts a long-running command and resolves with its first JSON line on stdout. `prefix`: a
 * command it runs under, e.g. `ip netns exec NAME` to run it in a network namespace.
 */
export function startCli(
  args: string[],
  prefix: readonly string[] = [],
): Promise<{ child: ChildProcess; first: unknown; exited: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const [command, ...before] = [...prefix, process.execPath];
    const child = spawn(command!, [...before, BIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...TIED },
    });
    const exited = new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
    let buffer = '';
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve({ child, first: JSON.parse(buffer.slice(0, newline)), exited });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing: ${stderr}`)));
  });
}

/** `idlegrid fl run --model mnist-mlp --dataset mnist ... --json` on a network started with `--fl-data mnist`. */
export function runFederatedCli(dataDir: string, flags: readonly string[]): Promise<CliResult> {
  return runCli(
    ['--data-dir', dataDir, '--json', 'fl', 'run', '--model', 'mnist-mlp', '--dataset', 'mnist', ...flags],
    {},
    240_000,
  );
}
