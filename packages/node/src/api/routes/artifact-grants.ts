import { IdlegridError, toWireJson, verifySignedMessage } from '@idlegrid/protocol';
import type { FastifyInstance } from 'fastify';
import type { ArtifactAccess } from '../../coordinator/artifact-access.js';
import type { ErasureRelay } from '../../coordinator/erasures.js';
import type { JobStore } from '../../jobs/api.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import type { PaymentLedger } from '../../store/payment-ledger.js';
import { type ArtifactRequestDeps, requiredRequest } from './artifact-requests.js';

export interface GrantRouteDeps extends ArtifactRequestDeps {
  artifacts: ArtifactStore;
  /** Cancels a revoked grantee's jobs that still need the artifact. */
  erasures?: ErasureRelay | undefined;
  access?: ArtifactAccess | undefined;
  store: JobStore;
  payments?: PaymentLedger | undefined;
}

/**
 * What an owner does with its data beyond storing and erasing it: grants (and revocations) on an
 * artifact, the list of what it owns, and everything the network keeps about an address, as JSON
 * (GDPR Article 20). Each needs the signer's own signature.
 */
export function artifactGrantRoutes(app: FastifyInstance, deps: GrantRouteDeps): void {
  const json = (value: unknown) => JSON.parse(toWireJson(value)) as unknown;

  /** A signed ArtifactGrant from an owner of the artifact; `until: 0` revokes the grantee's grant. */
  app.post<{ Params: { cid: string } }>('/v1/artifacts/:cid/grants', async (request, reply) => {
    const owners = deps.owners;
    if (!owners?.grants)
      throw new IdlegridError('INVALID_ARGUMENT', 'this coordinator keeps no owned artifacts');
    const verified = await verifySignedMessage(owners.domain, request.body, { kind: 'ArtifactGrant' });
    const grant = verified.message;
    if (grant.cid !== request.params.cid)
      throw new IdlegridError(
        'ARTIFACT_REQUEST_MISMATCH',
        `the grant is for ${grant.cid}, not ${request.params.cid}`,
      );
    if (!(await owners.store.claimOf(grant.cid, grant.owner)))
      throw new IdlegridError('ARTIFACT_NOT_OWNER', `${grant.owner} owns no artifact ${grant.cid}`, {
        details: { cid: grant.cid, owner: grant.owner },
      });
    await owners.store.takeNonce(grant.owner, grant.nonce, grant.expiry);
    const signed = { kind: verified.kind, message: grant, signature: verified.signature };
    const stored = await owners.grants.put(grant, json(signed), Date.now());
    // Revoked (or already ended): the grantee's jobs still waiting for the artifact end now.
    if (stored.until <= Math.floor(Date.now() / 1000))
      await deps.erasures?.cancelJobsUsing(grant.cid, 'grant revoked', grant.grantee);
    return reply.status(201).send(json({ grant: stored }));
  });

  /** What the signer owns: each artifact, whether it is encrypted, its size; and the grants it gave. */
  app.get('/v1/artifacts', async (request) => {
    const { message, owners } = await requiredRequest(deps, request, 'list', '');
    const claims = await owners.ownedBy(message.requester);
    const artifacts = await Promise.all(
      claims.map(async (claim) => ({
        cid: claim.cid,
        encrypted: claim.wrappedKey !== null,
        size: await deps.artifacts.info(claim.cid).then(
          (info) => info.size,
          () => null,
        ),
        createdAt: claim.createdAt,
      })),
    );
    const grants = (await deps.owners?.grants?.of(message.requester)) ?? { given: [], received: [] };
    return json({ owner: message.requester, artifacts, grants });
  });

  /** Everything the network keeps about the signer: its jobs, artifacts, grants, erasures and payments. */
  app.get('/v1/export', async (request) => {
    const { message, owners } = await requiredRequest(deps, request, 'export', '');
    const address = message.requester;
    const [jobs, artifacts, grants, erasures, vouchers] = await Promise.all([
      deps.store.list({ client: address, limit: 10_000 }),
      owners.ownedBy(address),
      deps.owners?.grants?.of(address) ?? { given: [], received: [] },
      owners.erasuresOf(address),
      deps.payments?.all() ?? [],
    ]);
    const mine = (who: string) => who.toLowerCase() === address.toLowerCase();
    return json({
      address,
      exportedAt: Date.now(),
      jobs,
      artifacts,
      grants,
      erasures,
      payments: vouchers.filter((voucher) => mine(voucher.client) || mine(voucher.provider)),
    });
  });
}
