import { isIdlegridError } from '@idlegrid/protocol';

/** Test support: the IdlegridError a promise rejects with, as its code, message and details. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isIdlegridError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a rejection');
}
