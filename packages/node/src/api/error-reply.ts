import { httpStatusOf, IdlegridError, isIdlegridError, toWireJson } from '@idlegrid/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Every API error: `{ error: { code, message, details } }` with the code's documented status. */
export function errorReply(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let wrapped: IdlegridError;
  if (isIdlegridError(error)) wrapped = error;
  else if ('validation' in error && error.validation) {
    wrapped = new IdlegridError('INVALID_ARGUMENT', error.message);
  } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode < 500) {
    wrapped = new IdlegridError(
      error.statusCode === 413 ? 'ARTIFACT_TOO_LARGE' : 'INVALID_ARGUMENT',
      error.message,
    );
  } else {
    request.log.error({ err: error }, 'unhandled error');
    wrapped = new IdlegridError('INTERNAL', 'internal error');
  }
  void reply
    .status(httpStatusOf(wrapped.code))
    .header('content-type', 'application/json')
    .send(toWireJson({ error: wrapped.toJSON() }));
}
