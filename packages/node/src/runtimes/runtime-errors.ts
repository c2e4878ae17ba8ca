import {
  type ErrorCode,
  IdlegridError,
  type IdlegridErrorOptions,
  isIdlegridError,
} from '@idlegrid/protocol';

type Prefix = 'ONNX' | 'TFJS' | 'FASTTEXT';

/**
 * The errors every model runtime raises, each under its own stable code (`ONNX_MODEL_INVALID`,
 * `TFJS_REQUEST_INVALID`, ...; see docs/errors.md), built in one place so that the runtimes
 * cannot drift apart in what a code means.
 */
export function runtimeErrors(prefix: Prefix, runtime: string) {
  const code = (suffix: string) => `${prefix}_${suffix}` as ErrorCode;
  return {
    /** The model file is not one the runtime loads. */
    modelInvalid: (message: string, options?: IdlegridErrorOptions) =>
      new IdlegridError(code('MODEL_INVALID'), message, options),
    /** The request is not JSON of the documented shape, or does not fit the model. */
    requestInvalid: (message: string, options?: IdlegridErrorOptions) =>
      new IdlegridError(code('REQUEST_INVALID'), message, options),
    /** The answer is larger than the run's output limit: refused, never cut off. */
    outputTooLarge: (bytes: number, outputBytes: number) =>
      new IdlegridError(
        code('OUTPUT_TOO_LARGE'),
        `the answer is ${bytes} bytes, over the ${outputBytes} byte limit`,
        {
          details: { bytes, outputBytes },
        },
      ),
    /** The runtime failed while running the model. */
    runFailed: (message: string, options?: IdlegridErrorOptions) =>
      new IdlegridError(code('RUN_FAILED'), message, options),
    /** The run went past its wall-time limit. */
    timedOut: (wallTimeMs: number) =>
      new IdlegridError(code('TIMEOUT'), `the ${runtime} run went past its ${wallTimeMs} ms limit`, {
        details: { wallTimeMs },
      }),
    aborted: (what: string, signal: AbortSignal) =>
      new IdlegridError('ABORTED', `${what} aborted`, { cause: signal.reason }),
    /** The runtime's library is missing or cannot load here. */
    unavailable: (message: string, options?: IdlegridErrorOptions) =>
      new IdlegridError('RUNTIME_UNAVAILABLE', message, options),
  };
}

export function messageOf(error: unknown): string {
  if (isIdlegridError(error)) return error.message;
  if (error instanceof Error) return error.message;
  // A C++ exception inside a WebAssembly module reaches JavaScript as a bare number (a pointer).
  return typeof error === 'number' ? `the module threw a native exception (${error})` : String(error);
}
