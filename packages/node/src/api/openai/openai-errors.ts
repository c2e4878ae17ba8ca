import { httpStatusOf, IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toApiError } from '../fastify-errors.js';
import { retryAfterOf } from '../limits/errors.js';

/** OpenAI's error body: what the `openai` client reads (`error.message`, `.type`, `.code`, `.param`). */
export interface OpenAiErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string;
    details: Record<string, unknown>;
  };
}

/** OpenAI's error category for a status (and a code): the client libraries branch on these. */
function typeOf(status: number, code: string): string {
  if (code === 'RATE_LIMITED') return 'rate_limit_exceeded';
  if (status === 401) return 'authentication_error';
  if (status === 402 || status === 429) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status < 500) return 'invalid_request_error';
  return 'server_error';
}

export function toIdlegridError(error: unknown, request?: FastifyRequest): IdlegridError {
  return toApiError(error, request) ?? new IdlegridError('INTERNAL', 'internal error', { cause: error });
}

/** An error in OpenAI's shape, with idlegrid's stable code as `code` and its documented status. */
export function openAiError(
  error: unknown,
  request?: FastifyRequest,
): { status: number; body: OpenAiErrorBody; retryAfter?: number } {
  const wrapped = toIdlegridError(error, request);
  const status = httpStatusOf(wrapped.code);
  const param = wrapped.details.param;
  const retryAfter = retryAfterOf(wrapped);
  return {
    status,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    body: {
      error: {
        message: wrapped.message,
        type: typeOf(status, wrapped.code),
        param: typeof param === 'string' ? param : null,
        code: wrapped.code,
        details: wrapped.details,
      },
    },
  };
}

export function openAiErrorReply(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const { status, body, retryAfter } = openAiError(error, request);
  if (status >= 500 && body.error.code !== 'OVERLOADED')
    request.log.error({ err: error }, 'openai route failed');
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  void reply.status(status).header('content-type', 'application/json').send(toWireJson(body));
}
