import { IdlegridError, type IdlegridErrorOptions, isIdlegridError } from '@idlegrid/protocol';

/**
 * The onnx runtime's errors, in one place: each maps to an existing code for now, and the comment
 * names the `ONNX_*` code it is meant to become (a one-line change here once the protocol has it).
 */

/** The model file is not an ONNX model onnxruntime can load. Becomes ONNX_MODEL_INVALID (400). */
export function modelInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', message, options);
}

/** The request is not JSON of the documented shape, or does not fit the model. Becomes ONNX_REQUEST_INVALID (400). */
export function requestInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', message, options);
}

/** An OCR image is not a PNG or JPEG that decodes, or is too large. Becomes ONNX_IMAGE_INVALID (400). */
export function imageInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', message, options);
}

/** The answer is larger than the run's output limit. Becomes ONNX_OUTPUT_TOO_LARGE (413). */
export function outputTooLarge(bytes: number, outputBytes: number): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', `the answer is ${bytes} bytes, over the ${outputBytes} byte limit`, {
    details: { bytes, outputBytes },
  });
}

/** The model computed something the answer cannot hold (a string tensor, an int64 beyond 2^53). Becomes ONNX_OUTPUT_UNSUPPORTED (422). */
export function outputUnsupported(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', message, options);
}

/** onnxruntime failed while running the model (a shape it rejects at run time, say). Becomes ONNX_RUN_FAILED (422). */
export function runFailed(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', message, options);
}

/** The run went past its wall-time limit. Becomes ONNX_TIMEOUT (504). */
export function timedOut(wallTimeMs: number): IdlegridError {
  return new IdlegridError('ABORTED', `the onnx run went past its ${wallTimeMs} ms limit`, {
    details: { wallTimeMs, reason: 'timeout' },
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
