import {
  ARTIFACT_REQUEST_HEADER,
  type ArtifactRequest,
  IdlegridError,
  type NetworkDomain,
  parseWireJson,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { FastifyRequest } from 'fastify';
import type { ArtifactGrants } from '../../store/artifact-grants.js';
import type { ArtifactOwners } from '../../store/artifact-owners.js';

export interface ArtifactRequestDeps {
  /** Owned artifacts: without them, uploads are anonymous and nothing can be erased. */
  owners?: { store: ArtifactOwners; domain: NetworkDomain; grants?: ArtifactGrants } | undefined;
}

/**
 * The request's signed ArtifactRequest, checked (signature, expiry, this network), naming this
 * action and CID (any CID when `cid` is undefined: the caller checks it), and taken once;
 * undefined when the request carries none.
 */
export async function signedRequest(
  deps: ArtifactRequestDeps,
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
  await deps.owners.store.takeNonce(message.requester, message.nonce, message.expiry);
  return message;
}

/** A signed request the route cannot do without. */
export async function requiredRequest(
  deps: ArtifactRequestDeps,
  request: FastifyRequest,
  action: ArtifactRequest['action'],
  cid: string,
): Promise<{ message: ArtifactRequest; owners: ArtifactOwners }> {
  const message = await signedRequest(deps, request, action, cid);
  if (!message || !deps.owners)
    throw new IdlegridError('MESSAGE_INVALID', `send a signed ArtifactRequest in ${ARTIFACT_REQUEST_HEADER}`);
  return { message, owners: deps.owners.store };
}
