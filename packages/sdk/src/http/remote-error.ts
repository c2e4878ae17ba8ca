import { ERROR_CODES, type ErrorCode, IdlegridError } from '@idlegrid/protocol';
import type { z } from 'zod';

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Turns an error answer `{ error: { code, message, details } }` into the IdlegridError the
 * server raised, so callers see the same stable code on both sides of the wire.
 */
export async function remoteError(response: Response): Promise<IdlegridError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  const known = remoteErrorOf(error, { status: response.status });
  if (known) return known;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  return new IdlegridError('COORDINATOR_BAD_RESPONSE', `coordinator answered HTTP ${response.status}`, {
    details: { status: response.status, body: text.slice(0, 500), ...(code ? { remoteCode: code } : {}) },
  });
}

/**
 * The IdlegridError an error object of an answer (`{ code, message, details }`) stands for,
 * or undefined when its code is not one of idlegrid's. `extra` is added to its details.
 */
export function remoteErrorOf(
  error: { code?: unknown; message?: unknown; details?: unknown } | undefined,
  extra: Record<string, unknown> = {},
): IdlegridError | undefined {
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code === undefined || !KNOWN_CODES.has(code)) return undefined;
  const details = typeof error?.details === 'object' && error.details !== null ? error.details : {};
  return new IdlegridError(code as ErrorCode, String(error?.message ?? code), {
    details: { ...(details as Record<string, unknown>), ...extra },
  });
}

/** Validates a successful answer; a shape the API does not promise is the server's fault. */
export function parseAnswer<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new IdlegridError('COORDINATOR_BAD_RESPONSE', `unexpected answer for ${what}`, {
      details: { issues: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) },
    });
  }
  return parsed.data;
}
