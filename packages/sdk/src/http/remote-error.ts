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
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code !== undefined && KNOWN_CODES.has(code)) {
    const details = typeof error?.details === 'object' && error.details !== null ? error.details : {};
    return new IdlegridError(code as ErrorCode, String(error?.message ?? code), {
      details: { ...(details as Record<string, unknown>), status: response.status },
    });
  }
  return new IdlegridError('COORDINATOR_BAD_RESPONSE', `coordinator answered HTTP ${response.status}`, {
    details: { status: response.status, body: text.slice(0, 500), ...(code ? { remoteCode: code } : {}) },
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
