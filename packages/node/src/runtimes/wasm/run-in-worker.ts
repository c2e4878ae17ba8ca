import { closeSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { IdlegridError } from '@idlegrid/protocol';
import type { ResourceLimits, RunResult } from '../api.js';
import type { RunDirectories } from './run-directories.js';
import type { WasmModule } from './webassembly.js';
import { abortedError, type WorkerPool } from './worker-pool.js';
import type { WorkerOutput } from './worker-source.js';

export interface WorkerRun {
  module: WasmModule;
  /** Full argv, program name first. */
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
  limits: ResourceLimits;
  signal?: AbortSignal | undefined;
}

const STDIN_FILE = 'stdin';
const SYNC_WRITE_BYTES = 64 * 1024;

/** The worker's JS heap limit: it only holds captured output; linear memory is capped in the binary. */
export function workerHeapMb(outputBytes: number): number {
  return 32 + Math.ceil((2 * outputBytes) / 2 ** 20);
}

/**
 * Runs a WASI command in a pooled worker with a private run directory: `scratch/` is the task's
 * only preopen (empty when the run starts), `stdin` holds its input (empty input reads the null
 * device). The wall-time limit and the AbortSignal terminate the worker.
 */
export async function runInWorker(
  pool: WorkerPool,
  directories: RunDirectories,
  run: WorkerRun,
): Promise<RunResult> {
  const { limits, signal } = run;
  if (signal?.aborted) throw abortedError(signal);
  const directory = directories.take();
  const stdinPath = run.stdin.length > 0 ? join(directory.root, STDIN_FILE) : undefined;
  const fds: number[] = [];
  let clean = false;
  try {
    if (stdinPath) {
      // Small inputs synchronously: one blocking write beats three thread-pool round trips.
      const write = run.stdin.length <= SYNC_WRITE_BYTES ? writeFileSync : writeFile;
      await write(stdinPath, run.stdin, { mode: 0o600 });
    }
    fds.push(openSync(stdinPath ?? devNull, 'r'), openSync(devNull, 'w'));
    const started = performance.now();
    const outcome = await pool.run({
      input: {
        module: run.module,
        args: run.args,
        env: run.env,
        stdinFd: fds[0]!,
        nullFd: fds[1]!,
        scratchDir: directory.scratchDir,
        outputBytes: limits.outputBytes,
      },
      heapMb: workerHeapMb(limits.outputBytes),
      wallTimeMs: limits.wallTimeMs,
      signal,
    });
    const durationMs = Math.round(performance.now() - started);
    if (!outcome.ok) throw outcome.error;
    // The worker closed the task's descriptors itself.
    clean = true;
    return toResult(outcome.output, limits, durationMs);
  } finally {
    for (const fd of fds) closeSync(fd);
    if (stdinPath) unlinkSync(stdinPath);
    await directories.release(directory, clean);
  }
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
