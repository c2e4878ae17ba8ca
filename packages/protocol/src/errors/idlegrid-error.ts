import type { ErrorCode } from './codes.js';

export interface IdlegridErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error base of idlegrid: a stable `code`, a human message, structured details. */
export class IdlegridError extends Error {
  override readonly name = 'IdlegridError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: IdlegridErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isIdlegridError(value: unknown, code?: ErrorCode): value is IdlegridError {
  return value instanceof IdlegridError && (code === undefined || value.code === code);
}
