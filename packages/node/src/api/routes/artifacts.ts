import { IdlegridError } from '@idlegrid/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ArtifactStore } from '../../storage/artifact-store.js';

/**
 * Parses a single `bytes=a-b` range (open ends allowed) against the size. Anything else (a
 * malformed header, several ranges, a range outside the artifact) cannot be satisfied: 416,
 * with the size in `Content-Range` as RFC 9110 asks.
 */
function parseRange(header: string, size: number, reply: FastifyReply): { start: number; end: number } {
  const unsatisfiable = (why: string) => {
    reply.header('content-range', `bytes */${size}`);
    return new IdlegridError('RANGE_NOT_SATISFIABLE', `Range ${header.slice(0, 100)} ${why}`, {
      details: { size },
    });
  };
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) throw unsatisfiable('is not one byte range');
  const start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1]);
  const end = match[1] !== '' && match[2] !== '' ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start > end || start >= size) {
    throw unsatisfiable(`is outside 0-${size - 1}`);
  }
  return { start, end };
}

export function artifactRoutes(app: FastifyInstance, deps: { artifacts: ArtifactStore }): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  /** Upload: the server computes the CID; `/v1/artifacts/:cid` also checks it against the bytes. */
  app.post('/v1/artifacts', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      throw new IdlegridError('INVALID_ARGUMENT', 'send the artifact as application/octet-stream');
    }
    return reply.status(201).send(await deps.artifacts.put(request.body));
  });

  app.put<{ Params: { cid: string } }>('/v1/artifacts/:cid', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      throw new IdlegridError('INVALID_ARGUMENT', 'send the artifact as application/octet-stream');
    }
    return reply.status(201).send(await deps.artifacts.put(request.body, request.params.cid));
  });

  app.get<{ Params: { cid: string } }>('/v1/artifacts/:cid', async (request, reply) => {
    const { size } = await deps.artifacts.info(request.params.cid);
    reply
      .header('accept-ranges', 'bytes')
      .header('etag', `"${request.params.cid}"`)
      .type('application/octet-stream');
    const range = request.headers.range;
    if (range === undefined)
      return reply.header('content-length', size).send(await deps.artifacts.read(request.params.cid));
    const { start, end } = parseRange(range, size, reply);
    return reply
      .status(206)
      .header('content-range', `bytes ${start}-${end}/${size}`)
      .header('content-length', end - start + 1)
      .send(await deps.artifacts.read(request.params.cid, { start, end }));
  });
}
