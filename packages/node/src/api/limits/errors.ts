import { IdlegridError } from '@idlegrid/protocol';

/** Whole seconds, at least one: what `Retry-After` says. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function rateLimited(message: string, retryAfterMs: number, details: Record<string, unknown> = {}) {
  return new IdlegridError('RATE_LIMITED', message, {
    details: { ...details, retryAfter: retryAfterSeconds(retryAfterMs) },
  });
}

export function quotaExceeded(message: string, retryAfterMs: number, details: Record<string, unknown> = {}) {
  return new IdlegridError('QUOTA_EXCEEDED', message, {
    details: { ...details, retryAfter: retryAfterSeconds(retryAfterMs) },
  });
}

export function overloaded(message: string, retryAfterMs: number, details: Record<string, unknown> = {}) {
  return new IdlegridError('OVERLOADED', message, {
    details: { ...details, retryAfter: retryAfterSeconds(retryAfterMs) },
  });
}

/** The `Retry-After` of an error that has one (RATE_LIMITED, QUOTA_EXCEEDED, OVERLOADED). */
export function retryAfterOf(error: IdlegridError): number | undefined {
  const value = error.details.retryAfter;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
