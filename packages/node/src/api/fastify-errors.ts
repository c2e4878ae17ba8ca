import { type ErrorCode, IdlegridError, isIdlegridError } from '@idlegrid/protocol';
import type { FastifyError, FastifyRequest } from 'fastify';

/** What a route answers when its body is over its limit (artifact routes say ARTIFACT_TOO_LARGE). */
export interface RouteErrorConfig {
  bodyTooLarge?: ErrorCode;
}

/** Fastify's own errors, each as one of our documented codes with a message of our own. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_BAD_URL: { code: 'INVALID_ARGUMENT', message: 'the URL is not valid percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', message: 'a path parameter is too long' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'this content-type is not accepted here',
  },
  FST_ERR_CTP_INVALID_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the content-type is malformed' },
  FST_ERR_CTP_EMPTY_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the content-type is empty' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'INVALID_ARGUMENT', message: 'the JSON body is empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'INVALID_ARGUMENT',
    message: 'the body does not match its content-length',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'the request body is too large' },
};

/**
 * Any error a route or fastify raised, as an IdlegridError with a documented code. Fastify's
 * messages may echo the request (its URL); ours do not, so that nothing of the server leaks.
 */
export function toApiError(error: unknown, request?: FastifyRequest): IdlegridError | undefined {
  if (isIdlegridError(error)) return error;
  const fastify = (error ?? {}) as Partial<FastifyError>;
  const known = fastify.code === undefined ? undefined : FASTIFY_CODES[fastify.code];
  if (known) {
    if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const config = request?.routeOptions.config as RouteErrorConfig | undefined;
      const limit = request?.routeOptions.bodyLimit;
      return new IdlegridError(config?.bodyTooLarge ?? known.code, known.message, {
        details: limit === undefined ? {} : { limit },
      });
    }
    return new IdlegridError(known.code, known.message, { details: { reason: fastify.code } });
  }
  if (fastify.validation) return new IdlegridError('INVALID_ARGUMENT', fastify.message ?? 'invalid request');
  if (error instanceof SyntaxError && fastify.statusCode === 400) {
    // secure-json-parse: malformed JSON, or a `__proto__`/`constructor` key.
    return new IdlegridError('INVALID_ARGUMENT', `the body is not valid JSON: ${error.message}`);
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return new IdlegridError('INVALID_ARGUMENT', 'the request is malformed', {
      details: { status: fastify.statusCode, ...(fastify.code ? { reason: fastify.code } : {}) },
    });
  }
  return undefined;
}
