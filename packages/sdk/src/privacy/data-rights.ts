import { IdlegridError, parseCid, signMessage } from '@idlegrid/protocol';
import { addressOfPublicKey, unwrapKey, wrapKey } from '@idlegrid/protocol/privacy';
import { type Address, getAddress, type Hex, hexToBytes } from 'viem';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from '../jobs/job-spec.js';
import { artifactKeyOf, eraseArtifact, type OwnerContext, signedRequest } from './owned-artifacts.js';

/** What a grant lets its grantee do: any use (''), run jobs on it, serve it as a provider, serve it as a model. */
export type GrantPurpose = '' | 'job' | 'provider' | 'model-serving';

const grantSchema = z.looseObject({
  cid: z.string(),
  owner: z.string(),
  grantee: z.string(),
  purpose: z.string(),
  until: z.number(),
  wrappedKey: z.string().nullable(),
  grantedAt: z.number(),
});
const grantsSchema = z.object({ given: z.array(grantSchema), received: z.array(grantSchema) });
const listSchema = z.object({
  owner: z.string(),
  artifacts: z.array(
    z.object({ cid: z.string(), encrypted: z.boolean(), size: z.number().nullable(), createdAt: z.number() }),
  ),
  grants: grantsSchema,
});

export type StoredGrant = z.output<typeof grantSchema>;

/**
 * Lets `grantee` read and use the owner's artifact for `purpose` until `untilSeconds` (unix). For
 * an encrypted artifact the key is unwrapped here with `privateKey` and wrapped to
 * `granteePublicKey`, which must be the grantee's (its address derives from it). `untilSeconds: 0`
 * revokes (see `revokeArtifact`).
 */
export async function grantArtifact(
  ctx: OwnerContext,
  cid: string,
  grant: {
    grantee: Address;
    purpose?: GrantPurpose;
    untilSeconds: bigint;
    /** For an encrypted artifact: the grantee's public key and the owner's private key. */
    granteePublicKey?: Hex;
    privateKey?: Hex;
  },
  options: RequestOptions = {},
): Promise<StoredGrant> {
  parseCid(cid);
  const grantee = getAddress(grant.grantee);
  let wrappedKey = '';
  if (grant.untilSeconds > 0n) {
    const ownKey = await artifactKeyOf(ctx, cid, options);
    if (ownKey) {
      if (!grant.granteePublicKey || !grant.privateKey)
        throw new IdlegridError('INVALID_ARGUMENT', `${cid} is encrypted: give the grantee's public key`);
      const publicKey = hexToBytes(grant.granteePublicKey);
      if (addressOfPublicKey(publicKey) !== grantee)
        throw new IdlegridError('INVALID_ARGUMENT', `that public key is not ${grantee}'s`);
      const key = unwrapKey(ownKey, grant.privateKey);
      wrappedKey = wrapKey(key, publicKey);
      key.fill(0);
    }
  }
  const signed = await signMessage(ctx.signer, ctx.domain, 'ArtifactGrant', {
    owner: ctx.signer.address,
    cid,
    grantee,
    purpose: grant.purpose ?? '',
    until: grant.untilSeconds,
    wrappedKey,
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  const answer = await ctx.coordinator.postJson(
    `/v1/artifacts/${encodeURIComponent(cid)}/grants`,
    signed,
    options,
  );
  return parseAnswer(z.object({ grant: grantSchema }), answer, 'artifact grant').grant;
}

/** Ends every grant the owner gave `grantee` on the artifact at once. */
export function revokeArtifact(
  ctx: OwnerContext,
  cid: string,
  grantee: Address,
  options: RequestOptions = {},
): Promise<StoredGrant> {
  return grantArtifact(ctx, cid, { grantee, untilSeconds: 0n }, options);
}

/** What the signer owns (each artifact, encrypted or not, its size), and the grants it gave and received. */
export async function listArtifacts(
  ctx: OwnerContext,
  options: RequestOptions = {},
): Promise<z.output<typeof listSchema>> {
  const headers = await signedRequest(ctx, 'list', '');
  return parseAnswer(
    listSchema,
    await ctx.coordinator.requestJson('GET', '/v1/artifacts', { headers }, options),
    'artifact list',
  );
}

/** Everything the network keeps about the signer (jobs, artifacts, grants, erasures, payments), as JSON. */
export async function exportData(
  ctx: OwnerContext,
  options: RequestOptions = {},
): Promise<Record<string, unknown>> {
  const headers = await signedRequest(ctx, 'export', '');
  return parseAnswer(
    z.looseObject({ address: z.string() }),
    await ctx.coordinator.requestJson('GET', '/v1/export', { headers }, options),
    'export',
  );
}

/** Erases every artifact the signer owns, one signed erasure each; returns each one's outcome. */
export async function eraseAllArtifacts(
  ctx: OwnerContext,
  options: RequestOptions = {},
): Promise<Awaited<ReturnType<typeof eraseArtifact>>[]> {
  const { artifacts } = await listArtifacts(ctx, options);
  const erased = [];
  for (const { cid } of artifacts) erased.push(await eraseArtifact(ctx, cid, options));
  return erased;
}
