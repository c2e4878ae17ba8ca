import { closeSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IdlegridError } from '@idlegrid/protocol';
import type { ResourceLimits, RunResult } from '../api.js';
import type { WasmModule } from './webassembly.js';
import { WORKER_SOURCE, type WorkerInput, type WorkerOutput } from './worker-source.js';

export interface WorkerRun {
  module: WasmModule;
  /** Full argv, program name first. */
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  limits: ResourceLimits;
  signal?: AbortSignal | undefined;
  scratchParent?: string | undefined;
}

type Outcome = { ok: true; output: WorkerOutput } | { ok: false; error: IdlegridError };

/**
 * Runs a WASI command in a fresh worker thread with a fresh temporary directory: `scratch/` is
 * the task's only preopen, `stdin` holds its input. The directory is removed afterwards, whatever
 * happened. The wall-time limit and the AbortSignal terminate the worker.
 */
export async function runInWorker(run: WorkerRun): Promise<RunResult> {
  const { limits, signal } = run;
  if (signal?.aborted) throw aborted(signal);
  const root = await mkdtemp(join(run.scratchParent ?? tmpdir(), 'idlegrid-wasm-'));
  const scratchDir = join(root, 'scratch');
  let worker: Worker | undefined;
  const handles: Array<{ close(): Promise<void> }> = [];
  try {
    await mkdir(scratchDir, { mode: 0o700 });
    await writeFile(join(root, 'stdin'), run.stdin, { mode: 0o600 });
    const stdin = await open(join(root, 'stdin'), 'r');
    handles.push(stdin);
    const nullDevice = await open(devNull, 'w');
    handles.push(nullDevice);
    const input: WorkerInput = {
      module: run.module,
      args: run.args,
      env: run.env,
      stdinFd: stdin.fd,
      nullFd: nullDevice.fd,
      scratchDir,
      outputBytes: limits.outputBytes,
    };
    const started = performance.now();
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: input,
      env: {},
      execArgv: [],
      stdout: true,
      stderr: true,
      // The JS heap of the worker only holds captured output; linear memory is capped in the binary.
      resourceLimits: { maxOldGenerationSizeMb: 32 + Math.ceil((2 * limits.outputBytes) / 2 ** 20) },
    });
    const outcome = await watch(worker, limits, signal);
    const durationMs = Math.round(performance.now() - started);
    if (!outcome.ok) throw outcome.error;
    return toResult(outcome.output, limits, durationMs);
  } finally {
    await worker?.terminate();
    for (const handle of handles) await handle.close();
    closeLeakedDescriptors(root);
    await rm(root, { recursive: true, force: true });
  }
}

function watch(worker: Worker, limits: ResourceLimits, signal: AbortSignal | undefined): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      worker.removeAllListeners();
      resolve(outcome);
    };
    const fail = (error: IdlegridError) => finish({ ok: false, error });
    const onAbort = () => fail(aborted(signal!));
    const timer = setTimeout(
      () =>
        fail(
          new IdlegridError('WASM_TIMEOUT', `module ran longer than ${limits.wallTimeMs} ms`, {
            details: { wallTimeMs: limits.wallTimeMs },
          }),
        ),
      limits.wallTimeMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (output: WorkerOutput) => finish({ ok: true, output }));
    worker.on('error', (error: Error & { code?: string }) =>
      fail(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new IdlegridError('WASM_MEMORY_LIMIT', 'the worker ran out of heap memory', { cause: error })
          : new IdlegridError('INTERNAL', `wasm worker failed: ${error.message}`, { cause: error }),
      ),
    );
    worker.on('exit', (code) =>
      fail(new IdlegridError('INTERNAL', `wasm worker exited (${code}) without a result`)),
    );
  });
}

function toResult(output: WorkerOutput, limits: ResourceLimits, durationMs: number): RunResult {
  if (output.kind === 'trap') {
    throw new IdlegridError('WASM_TRAP', `module trapped: ${output.message}`, {
      details: {
        error: output.name,
        memoryBytes: output.memoryBytes,
        memoryLimitBytes: limits.memoryBytes,
      },
    });
  }
  return {
    exitCode: output.exitCode,
    stdout: output.stdout,
    stderr: output.stderr,
    stdoutTruncated: output.stdoutTruncated,
    stderrTruncated: output.stderrTruncated,
    durationMs,
    limits,
  };
}

function aborted(signal: AbortSignal): IdlegridError {
  return new IdlegridError('ABORTED', 'wasm run aborted', { cause: signal.reason });
}

/**
 * A terminated worker never closes what uvwasi opened for it (the preopen, files the module left
 * open). On Linux, close every descriptor that still points into this run's private directory; the
 * worker has exited, so nothing else owns them. Elsewhere they stay open until the process exits.
 */
function closeLeakedDescriptors(root: string): void {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === root || target.startsWith(root + sep)) closeSync(Number(fd));
    } catch {
      // closed meanwhile, or not a link
    }
  }
}
