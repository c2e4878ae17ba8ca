import { IdlegridError } from '@idlegrid/protocol';
import { runtimeErrors } from '../runtime-errors.js';

/** The fasttext runtime's errors (see runtime-errors.ts). */
export const { modelInvalid, requestInvalid, outputTooLarge, runFailed, timedOut, aborted, unavailable } =
  runtimeErrors('FASTTEXT', 'fasttext');
export { messageOf } from '../runtime-errors.js';

/** The task was disposed before or during the run. */
export function disposed(): IdlegridError {
  return new IdlegridError('FASTTEXT_RUN_FAILED', 'the fasttext task was disposed');
}
