import { IdlegridError } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { ArtifactStore } from '../../storage/artifact-store.js';

/** Parses a single `bytes=a-b` range (open ends allowed) against the size, or throws. */
function parseRange(header: string, size: number): { start: number; end: number } {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) {
    throw new IdlegridError('INVALID_ARGUMENT', `unsupported Range: ${header}`);
  }
  const start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1]);
  const end = match[1] !== '' && match[2] !== '' ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start > end || start >= size) {
    throw new IdlegridError('INVALID_ARGUMENT', `Range ${header} is outside 0-${size - 1}`, {
      details: { size },
    });
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
    const { start, end } = parseRange(range, size);
    return reply
      .status(206)
      .header('content-range', `bytes ${start}-${end}/${size}`)
      .header('content-length', end - start + 1)
      .send(await deps.artifacts.read(request.params.cid, { start, end }));
  });
}
