import { canonicalJson, cidOfBytes, type JobSpec, type ResultManifest } from '@idlegrid/protocol';
import type { Executor, RunResult } from '../runtimes/api.js';
import type { ArtifactFetcher } from './artifact-fetcher.js';
import { uploadArtifact } from './artifact-upload.js';

export interface RunJobInput {
  spec: JobSpec;
  apiUrl: string;
  fetcher: ArtifactFetcher;
  executor: Executor;
  signal: AbortSignal;
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
 * Fetches the job's module (and first input, as stdin) and runs it until the deadline, capped.
 * A failure to fetch or run becomes a result too (exit code -1, the error as stderr), so the
 * coordinator learns at once and can retry elsewhere instead of waiting for the lease.
 */
export async function runJob(input: RunJobInput): Promise<JobOutput> {
  const { spec, signal } = input;
  const started = performance.now();
  try {
    const module = await input.fetcher.fetch(input.apiUrl, spec.moduleCid, { signal });
    const stdin = spec.inputCids[0]
      ? await input.fetcher.fetch(input.apiUrl, spec.inputCids[0], { signal })
      : undefined;
    const task = await input.executor.prepare(module, { signal });
    try {
      const untilDeadline = Number(spec.deadline) * 1000 - (input.nowMs ?? Date.now());
      const wallTimeMs = Math.max(1, Math.floor(Math.min(untilDeadline, input.maxWallTimeMs)));
      const result = await task.run(
        { args: spec.args, ...(stdin ? { stdin } : {}) },
        {
          signal,
          limits: { wallTimeMs, ...(spec.memoryMb > 0 ? { memoryBytes: spec.memoryMb * 2 ** 20 } : {}) },
        },
      );
      return outputOf(spec.jobId, result);
    } finally {
      await task.dispose();
    }
  } catch (error) {
    if (signal.aborted) throw error;
    const code = error instanceof Error ? ((error as { code?: string }).code ?? error.name) : 'INTERNAL';
    const message = error instanceof Error ? `${code}: ${error.message}` : String(error);
    return outputOf(spec.jobId, {
      errorCode: code,
      exitCode: -1,
      stdout: new Uint8Array(0),
      stderr: new TextEncoder().encode(`${message}\n`),
      stdoutTruncated: false,
      stderrTruncated: false,
      durationMs: performance.now() - started,
    });
  }
}

function outputOf(
  jobId: string,
  result: Pick<
    RunResult,
    'exitCode' | 'stdout' | 'stderr' | 'stdoutTruncated' | 'stderrTruncated' | 'durationMs'
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
    },
  };
}

/** Uploads stdout, stderr, then the manifest (canonical JSON) so that everything it names exists first. */
export async function uploadOutput(apiUrl: string, output: JobOutput, signal?: AbortSignal): Promise<void> {
  const options = signal ? { signal } : {};
  await uploadArtifact(apiUrl, output.stdout, options);
  await uploadArtifact(apiUrl, output.stderr, options);
  await uploadArtifact(apiUrl, new TextEncoder().encode(canonicalJson(output.manifest)), options);
}
