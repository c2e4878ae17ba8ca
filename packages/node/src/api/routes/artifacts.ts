import {
  ARTIFACT_REQUEST_HEADER,
  type ArtifactRequest,
  IdlegridError,
  type NetworkDomain,
  parseCid,
  parseWireJson,
  verifySignedMessage,
  WRAPPED_KEY_HEADER,
} from '@idlegrid/protocol';
import { WRAPPED_KEY_PATTERN } from '@idlegrid/protocol/privacy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Hex } from 'viem';
import type { ErasureRelay } from '../../coordinator/erasures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { ArtifactOwners } from '../../store/artifact-owners.js';

export interface ArtifactRouteDeps {
  artifacts: ArtifactStore;
  /** Owned artifacts: without them, uploads are anonymous and nothing can be erased. */
  owners?: { store: ArtifactOwners; domain: NetworkDomain } | undefined;
  /** Erasures reach providers' copies; without it only the coordinator's copy goes. */
  erasures?: ErasureRelay | undefined;
}

/**
 * The request's signed ArtifactRequest, checked (signature, expiry, this network), naming this
 * action and CID (any CID when `cid` is undefined: the caller checks it), and taken once;
 * undefined when the request carries none.
 */
async function signedRequest(
  deps: ArtifactRouteDeps,
  request: FastifyRequest,
  action: ArtifactRequest['action'],
  cid: string | undefined,
): Promise<ArtifactRequest | undefined> {
  const header = request.headers[ARTIFACT_REQUEST_HEADER];
  if (header === undefined) return undefined;
  if (!deps.owners) throw new IdlegridError('INVALID_ARGUMENT', 'this coordinator keeps no owned artifacts');
  let input: unknown;
  try {
    input = parseWireJson(String(header));
  } catch (cause) {
    throw new IdlegridError('MESSAGE_INVALID', `${ARTIFACT_REQUEST_HEADER} is not a signed message`, {
      cause,
    });
  }
  const { message } = await verifySignedMessage(deps.owners.domain, input, { kind: 'ArtifactRequest' });
  if (message.action !== action || (cid !== undefined && message.cid !== cid)) {
    throw new IdlegridError(
      'ARTIFACT_REQUEST_MISMATCH',
      `the signed request asks to ${message.action} ${message.cid || 'nothing'}, not to ${action} ${cid ?? 'an artifact'}`,
      { details: { signed: { action: message.action, cid: message.cid }, asked: { action, cid } } },
    );
  }
  await deps.owners.store.takeNonce(message.requester, message.nonce);
  return message;
}

/** A signed request the route cannot do without. */
async function requiredRequest(
  deps: ArtifactRouteDeps,
  request: FastifyRequest,
  action: ArtifactRequest['action'],
  cid: string,
): Promise<{ message: ArtifactRequest; owners: ArtifactOwners }> {
  const message = await signedRequest(deps, request, action, cid);
  if (!message || !deps.owners)
    throw new IdlegridError('MESSAGE_INVALID', `send a signed ArtifactRequest in ${ARTIFACT_REQUEST_HEADER}`);
  return { message, owners: deps.owners.store };
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
    if (!destroy) return { cid, owner: message.requester, erased: true, blobDestroyed: false };
    await deps.artifacts.delete(cid);
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
    const claim = await owners.claimOf(cid, message.requester);
    if (!claim)
      throw new IdlegridError('ARTIFACT_NOT_OWNER', `${message.requester} owns no artifact ${cid}`, {
        details: { cid, owner: message.requester },
      });
    return { cid, owner: message.requester, wrappedKey: claim.wrappedKey };
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
