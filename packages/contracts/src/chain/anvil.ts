import { type ChildProcess, spawn } from 'node:child_process';
import { IdlegridError } from '@idlegrid/protocol';
import { anvilBinaryPath } from './anvil-binary.js';
import { tiedToParent } from './parent-death.js';

export interface AnvilOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  chainId?: number;
  /** Load state from and dump it to this file, so balances survive restarts. */
  statePath?: string;
  /** Seconds between state dumps (also dumped on a clean stop). */
  stateIntervalSeconds?: number;
  /** Seconds per block; omitted means a block per transaction (automine). */
  blockTimeSeconds?: number;
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export const LOCAL_CHAIN_ID = 31337;

/** Spawns anvil as a child process and resolves once it accepts JSON-RPC. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const host = options.host ?? '127.0.0.1';
  const chainId = options.chainId ?? LOCAL_CHAIN_ID;
  const args = ['--host', host, '--port', String(options.port ?? 0), '--chain-id', String(chainId)];
  args.push('--hardfork', 'cancun');
  if (options.statePath) args.push('--state', options.statePath);
  if (options.statePath && options.stateIntervalSeconds) {
    args.push('--state-interval', String(options.stateIntervalSeconds));
  }
  if (options.blockTimeSeconds) args.push('--block-time', String(options.blockTimeSeconds));

  // SIGINT on our death, as on a clean stop: anvil dumps its state before it exits.
  const tied = tiedToParent(anvilBinaryPath(), args, 'SIGINT');
  const child = spawn(tied.command, tied.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await waitForListening(child, options.startTimeoutMs ?? 20_000, options.signal);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    rpcUrl: `http://${host}:${port}`,
    port,
    chainId,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT lets anvil dump its state before exiting.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForListening(child: ChildProcess, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (reason: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(
        new IdlegridError('CHAIN_START_FAILED', `anvil did not start: ${reason}`, { details: { output } }),
      );
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
      const match = /Listening on [^\s:]+:(\d+)/.exec(output);
      if (match) {
        cleanup();
        // Keep draining output so a full pipe never blocks anvil.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) => fail(`exited with code ${code}`);
    const onError = (error: Error) => fail(error.message);
    const onAbort = () => fail('aborted');
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
