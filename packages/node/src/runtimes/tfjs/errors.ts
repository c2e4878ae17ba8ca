import { runtimeErrors } from '../runtime-errors.js';

/** The tfjs runtime's errors (see runtime-errors.ts). */
export const { modelInvalid, requestInvalid, outputTooLarge, runFailed, timedOut, aborted, unavailable } =
  runtimeErrors('TFJS', 'tfjs');
export { messageOf } from '../runtime-errors.js';
