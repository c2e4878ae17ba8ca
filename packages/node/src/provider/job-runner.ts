import { cidOfBytes, type JobSpec, type ResultManifest } from '@idlegrid/protocol';
import { isRescoreJob } from '@idlegrid/protocol/llm';
import { jobSeconds } from '../jobs/job-size.js';
import type { RunProgress, RunResult } from '../runtimes/api.js';
import { rescoreRequest } from '../runtimes/llm/rescore-input.js';
import type { ArtifactAccess, RuntimeSet } from './runtime-set.js';

export interface RunJobInput {
  spec: JobSpec;
  artifacts: ArtifactAccess;
  runtimes: Pick<RuntimeSet, 'task'>;
  signal: AbortSignal;
  /** Partial output as the task produces it (streamed llm text). */
  onProgress?: (progress: RunProgress) => void;
  /** Cap on the wall time, whatever the deadline allows. */
  maxWallTimeMs: number;
  nowMs?: number;
}

export interface JobOutput {
  manifest: ResultManifest;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/**
 * Prepares the job's module or model (fetched if missing) and runs it with its first input as
 * stdin until the deadline, capped.
 * A failure to fetch or run becomes a result too (exit code -1, the error as stderr), so the
 * coordinator learns at once and can retry elsewhere instead of waiting for the lease.
 */
export async function runJob(input: RunJobInput): Promise<JobOutput> {
  const { spec, signal } = input;
  const started = performance.now();
  try {
    const [task, stdin] = await Promise.all([
      input.runtimes.task(spec, input.artifacts, signal),
      stdinOf(spec, input.artifacts, signal),
    ]);
    const untilDeadline = Number(spec.deadline) * 1000 - (input.nowMs ?? Date.now());
    const wallTimeMs = Math.max(
      1,
      Math.floor(Math.min(untilDeadline, input.maxWallTimeMs, jobSeconds(spec) * 1000)),
    );
    const result = await task.run(
      { args: spec.args, ...(stdin ? { stdin } : {}) },
      {
        signal,
        limits: { wallTimeMs, ...(spec.memoryMb > 0 ? { memoryBytes: spec.memoryMb * 2 ** 20 } : {}) },
        ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      },
    );
    return outputOf(spec.jobId, result);
  } catch (error) {
    if (signal.aborted) throw error;
    return failedOutput(spec.jobId, error, performance.now() - started);
  }
}

/** The job's first input; a re-scoring check's request is built from its two (the request and the answer checked). */
async function stdinOf(
  spec: JobSpec,
  artifacts: ArtifactAccess,
  signal: AbortSignal,
): Promise<Uint8Array | undefined> {
  const [first, second] = spec.inputCids;
  if (spec.runtime === 'llm' && isRescoreJob(spec.args) && first && second) {
    const [request, answer] = await Promise.all([
      artifacts.bytes(first, signal),
      artifacts.bytes(second, signal),
    ]);
    return rescoreRequest(request, answer);
  }
  return first ? artifacts.bytes(first, signal) : undefined;
}

/** A run that could not happen: exit code -1, the error's code, its message as stderr. */
export function failedOutput(jobId: string, error: unknown, durationMs: number): JobOutput {
  const code = error instanceof Error ? ((error as { code?: string }).code ?? error.name) : 'INTERNAL';
  const message = error instanceof Error ? `${code}: ${error.message}` : String(error);
  return outputOf(jobId, {
    errorCode: code,
    exitCode: -1,
    stdout: new Uint8Array(0),
    stderr: new TextEncoder().encode(`${message}\n`),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs,
  });
}

export function outputOf(
  jobId: string,
  result: Pick<
    RunResult,
    'exitCode' | 'stdout' | 'stderr' | 'stdoutTruncated' | 'stderrTruncated' | 'durationMs' | 'tokens'
  > & { errorCode?: string },
): JobOutput {
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    manifest: {
      jobId,
      exitCode: result.exitCode,
      stdoutCid: cidOfBytes(result.stdout),
      stderrCid: cidOfBytes(result.stderr),
      stdoutTruncated: result.stdoutTruncated,
      stderrTruncated: result.stderrTruncated,
      durationMs: Math.round(result.durationMs),
      ...(result.errorCode ? { errorCode: result.errorCode } : {}),
      ...(result.tokens !== undefined ? { tokens: result.tokens } : {}),
    },
  };
}
