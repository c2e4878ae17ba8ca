import { ARTIFACT_REQUEST_HEADER, IdlegridError, parseCid, WRAPPED_KEY_HEADER } from '@idlegrid/protocol';
import { WRAPPED_KEY_PATTERN } from '@idlegrid/protocol/privacy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Hex } from 'viem';
import type { ArtifactAccess } from '../../coordinator/artifact-access.js';
import type { ErasureRelay } from '../../coordinator/erasures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { type ArtifactRequestDeps, requiredRequest, signedRequest } from './artifact-requests.js';

export interface ArtifactRouteDeps extends ArtifactRequestDeps {
  artifacts: ArtifactStore;
  /** Erasures reach providers' copies; without it only the coordinator's copy goes. */
  erasures?: ErasureRelay | undefined;
  /** Who may read owned artifacts; without it anyone who knows a CID reads it. */
  access?: ArtifactAccess | undefined;
}

function wrappedKeyOf(request: FastifyRequest): Hex | null {
  const header = request.headers[WRAPPED_KEY_HEADER];
  if (header === undefined) return null;
  if (!WRAPPED_KEY_PATTERN.test(String(header)))
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `${WRAPPED_KEY_HEADER} is not a wrapped key (${WRAPPED_KEY_PATTERN.source})`,
    );
  return String(header) as Hex;
}

/**
 * Stores an upload; with a signed `put`, the signer becomes an owner (with its wrapped key). The
 * store checks that the bytes hash to the CID the owner signed, so they are hashed once.
 */
async function store(deps: ArtifactRouteDeps, request: FastifyRequest, body: Buffer, expectedCid?: string) {
  const wrappedKey = wrappedKeyOf(request);
  const owner = await signedRequest(deps, request, 'put', expectedCid);
  if (!owner) return deps.artifacts.put(body, expectedCid);
  const stored = await deps.artifacts.put(body, owner.cid);
  await deps.owners!.store.claim(stored.cid, owner.requester, wrappedKey, Date.now());
  deps.access?.claimed(stored.cid);
  return stored;
}

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

export function artifactRoutes(app: FastifyInstance, deps: ArtifactRouteDeps): void {
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  /** Upload: the server computes the CID; `/v1/artifacts/:cid` also checks it against the bytes. */
  app.post('/v1/artifacts', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      throw new IdlegridError('INVALID_ARGUMENT', 'send the artifact as application/octet-stream');
    }
    return reply.status(201).send(await store(deps, request, request.body));
  });

  app.put<{ Params: { cid: string } }>('/v1/artifacts/:cid', async (request, reply) => {
    if (!Buffer.isBuffer(request.body)) {
      throw new IdlegridError('INVALID_ARGUMENT', 'send the artifact as application/octet-stream');
    }
    return reply.status(201).send(await store(deps, request, request.body, request.params.cid));
  });

  /** Erasure: drops the signer's claim; the bytes are destroyed with the last claim (crypto-shredding). */
  app.delete<{ Params: { cid: string } }>('/v1/artifacts/:cid', async (request) => {
    const { cid } = request.params;
    const { message, owners } = await requiredRequest(deps, request, 'erase', cid);
    const { destroy } = await owners.erase(cid, message.requester, Date.now());
    // The grants the eraser gave go with its claim; the other owners' stand.
    await deps.owners?.grants?.dropAll(cid, message.requester);
    if (!destroy) return { cid, owner: message.requester, erased: true, blobDestroyed: false };
    await deps.artifacts.delete(cid);
    deps.access?.destroyed(cid);
    await deps.owners?.grants?.dropAll(cid);
    const reached = await deps.erasures?.erased(cid);
    return {
      cid,
      owner: message.requester,
      erased: true,
      blobDestroyed: true,
      providersNotified: reached?.providers ?? [],
      jobsCancelled: reached?.cancelled ?? [],
    };
  });

  /** Where an erasure stands: each provider that held a copy, and its signed receipt once it came. */
  app.get<{ Params: { cid: string } }>('/v1/artifacts/:cid/erasure', async (request) => {
    const cid = parseCid(request.params.cid).toString();
    const notices = (await deps.erasures?.noticesOf(cid)) ?? [];
    return { cid, notices, pending: notices.filter((notice) => notice.confirmedAt === null).length };
  });

  /** The artifact key wrapped to the signer, for an owner on another machine. */
  app.get<{ Params: { cid: string } }>('/v1/artifacts/:cid/key', async (request) => {
    const { cid } = request.params;
    const { message, owners } = await requiredRequest(deps, request, 'key', cid);
    // A grantee gets the key its grant wraps to it; an owner its own.
    if (deps.access) {
      return {
        cid,
        owner: message.requester,
        wrappedKey: await deps.access.wrappedKeyFor(cid, message.requester),
      };
    }
    const claim = await owners.claimOf(cid, message.requester);
    if (!claim)
      throw new IdlegridError('ARTIFACT_NOT_OWNER', `${message.requester} owns no artifact ${cid}`, {
        details: { cid, owner: message.requester },
      });
    return { cid, owner: message.requester, wrappedKey: claim.wrappedKey };
  });

  app.get<{ Params: { cid: string } }>('/v1/artifacts/:cid', async (request, reply) => {
    const { size } = await deps.artifacts.info(request.params.cid);
    // An owned artifact: only with a signed `read` from someone who may read it.
    if (deps.access?.isOwned(request.params.cid)) {
      const message = await signedRequest(deps, request, 'read', request.params.cid);
      if (!message)
        throw new IdlegridError(
          'ARTIFACT_ACCESS_DENIED',
          `${request.params.cid} is owned: reading it needs a signed ArtifactRequest (read) in ${ARTIFACT_REQUEST_HEADER}`,
          { details: { cid: request.params.cid } },
        );
      await deps.access.checkRead(request.params.cid, message.requester);
    }
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
