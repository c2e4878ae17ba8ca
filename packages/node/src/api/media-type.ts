import { IdlegridError } from '@idlegrid/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The media type of a `content-type` header, lowercased, and its charset if it names one. */
export function parseMediaType(header: string): { type: string; charset?: string } {
  const [type = '', ...parameters] = header.split(';');
  const result: { type: string; charset?: string } = { type: type.trim().toLowerCase() };
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset') {
      result.charset = value
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return result;
}

/**
 * Refuses a body whose content-type is not `accepted`, or JSON in a charset other than UTF-8
 * (read as UTF-8, it would be another text than the client meant).
 */
export function checkMediaType(header: string | undefined, accepted: string): void {
  const media = header === undefined ? undefined : parseMediaType(header);
  const details = { accepted: [accepted], ...(header === undefined ? {} : { contentType: header }) };
  if (media?.type !== accepted) {
    throw new IdlegridError('UNSUPPORTED_MEDIA_TYPE', `send the body as ${accepted}`, { details });
  }
  if (accepted === 'application/json' && media.charset !== undefined && media.charset !== 'utf-8') {
    throw new IdlegridError('UNSUPPORTED_MEDIA_TYPE', `JSON must be UTF-8, not ${media.charset}`, {
      details,
    });
  }
}

/** Whether the request carries a body (a length above zero, or chunks). */
export function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Fastify's JSON parser (which refuses prototype poisoning), for UTF-8 JSON only. */
export function utf8JsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkMediaType(request.headers['content-type'], 'application/json');
    } catch (error) {
      return done(error as Error, undefined);
    }
    parse(request, body as string, done);
  });
}
