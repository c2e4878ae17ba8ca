import { type ErrorCode, isIdlegridError } from '@idlegrid/protocol';

/** Awaits a promise that must fail with an IdlegridError of `code` (and revert `reason`, if given). */
export async function expectFailure(
  promise: Promise<unknown>,
  code: ErrorCode,
  reason?: string,
): Promise<void> {
  const outcome = await promise.then(
    () => 'succeeded',
    (error: unknown) => error,
  );
  if (!isIdlegridError(outcome)) {
    throw new Error(`expected ${code}${reason ? ` (${reason})` : ''}, got ${String(outcome)}`);
  }
  if (outcome.code !== code || (reason !== undefined && outcome.details.reason !== reason)) {
    throw new Error(
      `expected ${code}/${reason ?? '*'}, got ${outcome.code}/${String(outcome.details.reason)}: ${outcome.message}`,
    );
  }
}
