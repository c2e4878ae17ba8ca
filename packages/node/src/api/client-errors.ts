import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { httpStatusOf, IdlegridError, toWireJson } from '@idlegrid/protocol';

/**
 * Requests Node's HTTP parser refuses before fastify sees them (a malformed request line or
 * header, headers over its 16 KiB limit): answered in our error shape, as every other error,
 * instead of fastify's own `{ error, message, statusCode }`.
 */
export function clientErrorReply(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const wrapped =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new IdlegridError('HEADERS_TOO_LARGE', 'the request line and headers are too large')
      : new IdlegridError('INVALID_ARGUMENT', 'the request is not valid HTTP', {
          details: error.code === undefined ? {} : { reason: error.code },
        });
  const status = httpStatusOf(wrapped.code);
  const body = toWireJson({ error: wrapped.toJSON() });
  if (!socket.writable) return void socket.destroy();
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroySoon();
}
