import { httpStatusOf, IdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toApiError } from './fastify-errors.js';
import { retryAfterOf } from './limits/errors.js';

/** Every API error: `{ error: { code, message, details } }` with the code's documented status. */
export function errorReply(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let wrapped = toApiError(error, request);
  if (!wrapped) {
    request.log.error({ err: error }, 'unhandled error');
    wrapped = new IdlegridError('INTERNAL', 'internal error');
  }
  const retryAfter = retryAfterOf(wrapped);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  void reply
    .status(httpStatusOf(wrapped.code))
    .header('content-type', 'application/json')
    .send(toWireJson({ error: wrapped.toJSON() }));
}
