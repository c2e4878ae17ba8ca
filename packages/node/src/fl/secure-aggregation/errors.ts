import { IdlegridError } from '@idlegrid/protocol';

/**
 * A secure-aggregation round that cannot go on: a forged key advertisement, a share that does not
 * decrypt, too few shares to unmask, or a request a client must refuse. SECAGG_FAILED.
 */
export class SecAggError extends IdlegridError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('SECAGG_FAILED', message, {
      details,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
  }
}

export function isSecAggError(value: unknown): value is SecAggError {
  return value instanceof SecAggError;
}
