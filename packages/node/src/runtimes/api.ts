/**
 * The one interface every runtime (wasm, llm, onnx, tfjs, fasttext) implements: `prepare` turns an
 * artifact into a runnable task once, `run` executes it under resource limits and an AbortSignal.
 */

/** Names of the runtimes a job spec can ask for. */
export type RuntimeName = 'wasm' | 'onnx' | 'llm' | 'tfjs' | 'fasttext';

/** Resource limits of one run; every field is a positive integer. */
export interface ResourceLimits {
  /** Memory the task may use (for wasm: linear memory), in bytes. */
  memoryBytes: number;
  /** Wall-clock time from the start of the run, in milliseconds. */
  wallTimeMs: number;
  /** Bytes kept of each output stream (stdout, stderr); the rest is dropped and flagged. */
  outputBytes: number;
}

export const DEFAULT_LIMITS: Readonly<ResourceLimits> = Object.freeze({
  memoryBytes: 256 * 1024 * 1024,
  wallTimeMs: 30_000,
  outputBytes: 1024 * 1024,
});

/** What one run gets: command-line arguments, environment and standard input. */
export interface RunRequest {
  /** Arguments after the program name. */
  args?: readonly string[];
  /** Environment variables; empty unless given, so runs stay deterministic. */
  env?: Readonly<Record<string, string>>;
  stdin?: Uint8Array;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Overrides the executor's default limits field by field. */
  limits?: Partial<ResourceLimits>;
  /** Partial output while the task runs (llm: text as it is generated, and its token count). */
  onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress {
  text: string;
  tokens: number;
}

export interface RunResult {
  /** Exit status of the task; non-zero is a normal result, not an error. */
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  /** The limits this run was held to. */
  limits: ResourceLimits;
  /** Model tokens processed (prompt plus completion), for runtimes billed per token. */
  tokens?: number;
}

/** A prepared artifact: validated and compiled, ready for any number of runs. */
export interface PreparedTask<Request = RunRequest, Result = RunResult> {
  run(request: Request, options?: RunOptions): Promise<Result>;
  /** Frees what `prepare` holds (compiled code, loaded models). */
  dispose(): Promise<void>;
}

export interface PrepareOptions {
  signal?: AbortSignal;
}

/**
 * `Source` is what `prepare` reads: a module's bytes (wasm), or a model file's path (llm, onnx),
 * since models can be far larger than a provider wants in memory twice.
 */
export interface Executor<Request = RunRequest, Result = RunResult, Source = Uint8Array> {
  readonly runtime: RuntimeName;
  /** Validates and compiles an artifact; fails with the runtime's error codes. */
  prepare(artifact: Source, options?: PrepareOptions): Promise<PreparedTask<Request, Result>>;
}
