import { ARTIFACT_REQUEST_HEADER } from '@idlegrid/protocol';
import { z } from 'zod';
import { signedRequestHeader } from './job-contracts.js';
import { KiB, type RouteContract } from './route-contract.js';
import { addressSchema, cidSchema, uint64Schema } from './wire-fields.js';
import { signed } from './wire-messages.js';

const grantWireSchema = z.strictObject({
  owner: addressSchema,
  cid: z.string().max(256),
  grantee: addressSchema,
  purpose: z.string().max(256),
  until: uint64Schema,
  wrappedKey: z.string().regex(/^(0x[0-9a-fA-F]{2,1024})?$/),
  nonce: uint64Schema,
  expiry: uint64Schema,
});

const storedGrantSchema = z.object({
  cid: z.string(),
  owner: addressSchema,
  grantee: addressSchema,
  purpose: z.string(),
  until: z.number(),
  wrappedKey: z.string().nullable(),
  grantedAt: z.number(),
  grant: z.unknown(),
});

const grantsSchema = z.object({ given: z.array(storedGrantSchema), received: z.array(storedGrantSchema) });

/** Grants, the list of what an owner holds, and the export of all the network keeps about an address. */
export const ARTIFACT_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'POST',
    path: '/v1/artifacts/:cid/grants',
    operationId: 'grantArtifact',
    tag: 'artifacts',
    summary:
      'Let a grantee read and use an artifact (until 0 revokes), with an ArtifactGrant signed by an owner',
    params: z.object({ cid: cidSchema }),
    body: {
      mediaType: 'application/json',
      schema: signed('ArtifactGrant', grantWireSchema),
      limit: 16 * KiB,
      required: true,
    },
    responses: {
      201: {
        description: 'The grant in force',
        content: { 'application/json': z.object({ grant: storedGrantSchema }) },
      },
    },
    errors: [400, 401, 403, 409],
  },
  {
    method: 'GET',
    path: '/v1/artifacts',
    operationId: 'listArtifacts',
    tag: 'artifacts',
    summary: 'What the signer owns, and the grants it gave and received',
    headers: z.object({ [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('list') }),
    responses: {
      200: {
        description: 'Its artifacts and grants',
        content: {
          'application/json': z.object({
            owner: addressSchema,
            artifacts: z.array(
              z.object({
                cid: z.string(),
                encrypted: z.boolean(),
                size: z.number().nullable(),
                createdAt: z.number(),
              }),
            ),
            grants: grantsSchema,
          }),
        },
      },
    },
    errors: [400, 401, 409],
  },
  {
    method: 'GET',
    path: '/v1/export',
    operationId: 'exportData',
    tag: 'artifacts',
    summary: 'Everything the network keeps about the signer: jobs, artifacts, grants, erasures, payments',
    headers: z.object({ [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('export') }),
    responses: {
      200: {
        description: 'The export',
        content: {
          'application/json': z.looseObject({
            address: addressSchema,
            exportedAt: z.number(),
            jobs: z.array(z.unknown()),
            artifacts: z.array(z.unknown()),
            grants: grantsSchema,
            erasures: z.array(z.unknown()),
            payments: z.array(z.unknown()),
          }),
        },
      },
    },
    errors: [400, 401, 409],
  },
];
