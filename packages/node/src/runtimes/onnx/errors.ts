import { IdlegridError, type IdlegridErrorOptions } from '@idlegrid/protocol';
import { runtimeErrors } from '../runtime-errors.js';

/** The onnx runtime's errors (see runtime-errors.ts), and the two only it has. */
export const { modelInvalid, requestInvalid, outputTooLarge, runFailed, timedOut, aborted, unavailable } =
  runtimeErrors('ONNX', 'onnx');
export { messageOf } from '../runtime-errors.js';

/** An OCR image is not a PNG or JPEG that decodes, or is too large. */
export function imageInvalid(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_IMAGE_INVALID', message, options);
}

/** The model computed something the answer cannot hold (a string tensor, an int64 beyond 2^53). */
export function outputUnsupported(message: string, options?: IdlegridErrorOptions): IdlegridError {
  return new IdlegridError('ONNX_OUTPUT_UNSUPPORTED', message, options);
}
