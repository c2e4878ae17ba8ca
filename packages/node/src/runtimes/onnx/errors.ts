import { IdlegridError, type IdlegridErrorOptions, isIdlegridError } from '@idlegrid/protocol';

/**
 * The onnx runtime's errors, in one place, each with its stable code (docs/errors.md).
 */

/** The model file is not an ONNX model onnxruntime can load. */
export function modelInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_MODEL_INVALID', message, options);
}

/** The request is not JSON of the documented shape, or does not fit the model. */
export function requestInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_REQUEST_INVALID', message, options);
}

/** An OCR image is not a PNG or JPEG that decodes, or is too large. */
export function imageInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_IMAGE_INVALID', message, options);
}

/** The answer is larger than the run's output limit. */
export function outputTooLarge(bytes: number, outputBytes: number): IdlegridError {
  return new IdlegridError(
    'ONNX_OUTPUT_TOO_LARGE',
    `the answer is ${bytes} bytes, over the ${outputBytes} byte limit`,
    {
      details: { bytes, outputBytes },
    },
  );
}

/** The model computed something the answer cannot hold (a string tensor, an int64 beyond 2^53). */
export function outputUnsupported(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_OUTPUT_UNSUPPORTED', message, options);
}

/** onnxruntime failed while running the model (a shape it rejects at run time, say). */
export function runFailed(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_RUN_FAILED', message, options);
}

/** The run went past its wall-time limit. */
export function timedOut(wallTimeMs: number): IdlegridError {
  return new IdlegridError('ONNX_TIMEOUT', `the onnx run went past its ${wallTimeMs} ms limit`, {
    details: { wallTimeMs },
  });
}

export function aborted(what: string, signal: AbortSignal): IdlegridError {
  return new IdlegridError('ABORTED', `${what} aborted`, { cause: signal.reason });
}

/** onnxruntime-node is missing or cannot load here. */
export function unavailable(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('RUNTIME_UNAVAILABLE', message, options);
}

export function messageOf(error: unknown): string {
  if (isIdlegridError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
