import { ARTIFACT_REQUEST_HEADER, JOB_STATES, WRAPPED_KEY_HEADER } from '@idlegrid/protocol';
import { WRAPPED_KEY_PATTERN } from '@idlegrid/protocol/privacy';
import { z } from 'zod';
import { MAX_BATCH_JOBS } from '../batch-limit.js';
import { decimalInteger } from './decimal-integer.js';
import {
  batchAnswerSchema,
  jobAnswerSchema,
  jobEventsAnswerSchema,
  jobsAnswerSchema,
  resultBundleSchema,
  uploadAnswerSchema,
} from './response-schemas.js';
import { KiB, MiB, type RouteContract } from './route-contract.js';
import { addressSchema, cidSchema, jobIdSchema } from './wire-fields.js';

const OWNED_UPLOAD =
  'With a signed ArtifactRequest (`put`, this CID) in `x-idlegrid-request`, the signer becomes an owner of the artifact, keeping the artifact key wrapped to it (`x-idlegrid-wrapped-key`); without one the upload is anonymous.';

/** A signed ArtifactRequest for `action`, as wire JSON (`{ kind, message, signature }`). */
export function signedRequestHeader(action: string) {
  return z
    .string()
    .max(4096)
    .describe(`A signed ArtifactRequest (action \`${action}\`, this CID), wire JSON`);
}

const ownedUploadHeaders = z.object({
  [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('put').optional(),
  [WRAPPED_KEY_HEADER]: z.string().regex(WRAPPED_KEY_PATTERN).optional(),
});

const erasedAnswerSchema = z.object({
  cid: z.string(),
  owner: addressSchema,
  erased: z.literal(true),
  blobDestroyed: z.boolean(),
  /** With the bytes destroyed: the providers told to delete their copies, and the jobs cancelled for want of them. */
  providersNotified: z.array(addressSchema).optional(),
  jobsCancelled: z.array(z.string()).optional(),
});

const erasureAnswerSchema = z.object({
  cid: z.string(),
  notices: z.array(
    z.object({
      cid: z.string(),
      provider: addressSchema,
      requestedAt: z.number(),
      confirmedAt: z.number().nullable(),
      /** The provider's signed ErasureReceipt, wire form. */
      receipt: z.unknown(),
    }),
  ),
  pending: z.number().int(),
});

const artifactKeyAnswerSchema = z.object({
  cid: z.string(),
  owner: addressSchema,
  wrappedKey: z.string().nullable(),
});

import { signedJobCancelSchema, signedJobSpecSchema, signedLeaseKeysSchema } from './wire-messages.js';

const states = JOB_STATES.join('|');
/** Job states, comma-separated: `accepted,settled`. */
export const stateListSchema = z.string().regex(new RegExp(`^(${states})(,(${states}))*$`));

/** Filters of a job event stream (`/v1/events`, or a submission that waits for its result). */
export const streamQuery = {
  states: stateListSchema.optional(),
  results: z.enum(['inline']).optional(),
};

const jobParams = z.object({ id: jobIdSchema });
const sse = { 'text/event-stream': null };
const job = (summary: string) => ({ description: summary, content: { 'application/json': jobAnswerSchema } });

/** One signed JobSpec is 1–2 KB; its lists allow up to 64 strings of 256 characters each. */
const JOB_SPEC_LIMIT = 64 * KiB;

export const JOB_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'POST',
    path: '/v1/jobs',
    operationId: 'submitJob',
    tag: 'jobs',
    summary: 'Submit a signed JobSpec',
    description:
      'Resubmitting the same signed spec is idempotent. With `accept: text/event-stream` the answer is the job’s event stream, ending when its run is over.',
    query: z.object(streamQuery),
    headers: z.object({ accept: z.string().optional() }),
    body: {
      mediaType: 'application/json',
      schema: signedJobSpecSchema,
      limit: JOB_SPEC_LIMIT,
      required: true,
    },
    responses: {
      201: job('The job, as accepted (or as it is, if the same spec was sent before)'),
      200: { description: 'The job’s event stream (`accept: text/event-stream`)', content: sse },
    },
    errors: [400, 401, 402, 409, 422],
  },
  {
    method: 'POST',
    path: '/v1/jobs/batch',
    operationId: 'submitJobs',
    tag: 'jobs',
    summary: 'Submit many signed JobSpecs, each taken or refused on its own',
    body: {
      mediaType: 'application/json',
      schema: z.object({ jobs: z.array(signedJobSpecSchema).min(1).max(MAX_BATCH_JOBS) }),
      limit: 2 * MiB,
      required: true,
    },
    responses: {
      200: {
        description: 'In order, `{ job }` or `{ error }`',
        content: { 'application/json': batchAnswerSchema },
      },
    },
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/jobs',
    operationId: 'listJobs',
    tag: 'jobs',
    summary: 'List jobs, newest first',
    query: z.object({
      client: addressSchema.optional(),
      provider: addressSchema.optional(),
      state: stateListSchema.optional(),
      limit: decimalInteger(1, 500).optional(),
    }),
    responses: { 200: { description: 'The jobs', content: { 'application/json': jobsAnswerSchema } } },
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/jobs/:id',
    operationId: 'getJob',
    tag: 'jobs',
    summary: 'A job',
    params: jobParams,
    responses: { 200: job('The job') },
    errors: [400, 404],
  },
  {
    method: 'GET',
    path: '/v1/jobs/:id/result',
    operationId: 'getJobResult',
    tag: 'jobs',
    summary: 'An accepted job’s result: its manifest and small outputs',
    params: jobParams,
    responses: { 200: { description: 'The result', content: { 'application/json': resultBundleSchema } } },
    errors: [400, 404, 409],
  },
  {
    method: 'GET',
    path: '/v1/jobs/:id/events',
    operationId: 'getJobEvents',
    tag: 'jobs',
    summary: 'A job’s transitions',
    params: jobParams,
    responses: {
      200: {
        description: 'Its transitions, oldest first',
        content: { 'application/json': jobEventsAnswerSchema },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'POST',
    path: '/v1/jobs/:id/cancel',
    operationId: 'cancelJob',
    tag: 'jobs',
    summary: 'Cancel a job with a JobCancel signed by its client',
    params: jobParams,
    body: { mediaType: 'application/json', schema: signedJobCancelSchema, limit: 16 * KiB, required: true },
    responses: { 200: job('The cancelled job') },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: 'POST',
    path: '/v1/jobs/:id/keys',
    operationId: 'giveLeaseKeys',
    tag: 'jobs',
    summary: "Give a private job's keys to one leased provider, with a LeaseKeys signed by its client",
    description:
      "Answers a `keys` event of the job's stream. The secrets are sealed to the provider: the coordinator relays them unread.",
    params: jobParams,
    body: { mediaType: 'application/json', schema: signedLeaseKeysSchema, limit: 64 * KiB, required: true },
    responses: {
      200: {
        description: 'Handed to the provider',
        content: { 'application/json': z.object({ delivered: z.literal(true), provider: addressSchema }) },
      },
    },
    errors: [400, 401, 403, 404, 409, 422],
  },
  {
    method: 'GET',
    path: '/v1/events',
    operationId: 'streamEvents',
    tag: 'jobs',
    summary: 'Server-sent events of job changes',
    description:
      "`event: job` frames carry a job record; with `results=inline`, `event: result` frames carry `{ job, result }`; `event: keys` frames ask for a private job's lease keys (`{ jobId, client, provider, providerKey, check? }`; `check` when the lease re-scores the job's llm answer).",
    query: z.object({ client: addressSchema.optional(), job: jobIdSchema.optional(), ...streamQuery }),
    responses: { 200: { description: 'The event stream', content: sse } },
    errors: [400, 404],
  },
  {
    method: 'POST',
    path: '/v1/artifacts',
    description: OWNED_UPLOAD,
    operationId: 'uploadArtifact',
    tag: 'artifacts',
    summary: 'Store an artifact; the server computes its CID',
    headers: ownedUploadHeaders,
    body: { mediaType: 'application/octet-stream', schema: z.string(), limit: 'artifact', required: true },
    responses: {
      201: { description: 'Its CID and size', content: { 'application/json': uploadAnswerSchema } },
    },
    errors: [400, 401, 409, 413, 422],
  },
  {
    method: 'PUT',
    path: '/v1/artifacts/:cid',
    operationId: 'putArtifact',
    tag: 'artifacts',
    summary: 'Store an artifact under the CID it must hash to',
    description: OWNED_UPLOAD,
    params: z.object({ cid: cidSchema }),
    headers: ownedUploadHeaders,
    body: { mediaType: 'application/octet-stream', schema: z.string(), limit: 'artifact', required: true },
    responses: {
      201: { description: 'Its CID and size', content: { 'application/json': uploadAnswerSchema } },
    },
    errors: [400, 401, 409, 413, 422],
  },
  {
    method: 'GET',
    path: '/v1/artifacts/:cid',
    operationId: 'getArtifact',
    tag: 'artifacts',
    summary: 'Download an artifact, whole or one byte range',
    description:
      'An owned artifact needs a signed ArtifactRequest (`read`, this CID) from an owner, a grantee or a provider leased a job naming it (`ARTIFACT_ACCESS_DENIED` otherwise); an anonymous one is open.',
    params: z.object({ cid: cidSchema }),
    headers: z.object({
      range: z
        .string()
        .regex(/^bytes=([0-9]+-[0-9]*|-[0-9]+)$/)
        .optional(),
      [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('read').optional(),
    }),
    responses: {
      200: { description: 'The artifact', content: { 'application/octet-stream': null } },
      206: {
        description: 'The range asked for',
        content: { 'application/octet-stream': null },
        headers: { 'content-range': { description: '`bytes START-END/SIZE`', schema: z.string() } },
      },
    },
    errors: [400, 401, 403, 404, 409, 416],
  },
  {
    method: 'DELETE',
    path: '/v1/artifacts/:cid',
    operationId: 'eraseArtifact',
    tag: 'artifacts',
    summary: "Erase an artifact: the signer's claim and wrapped key at once, the bytes with the last claim",
    params: z.object({ cid: cidSchema }),
    headers: z.object({ [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('erase') }),
    responses: {
      200: { description: 'What was erased', content: { 'application/json': erasedAnswerSchema } },
    },
    errors: [400, 401, 403, 409],
  },
  {
    method: 'GET',
    path: '/v1/artifacts/:cid/erasure',
    operationId: 'getArtifactErasure',
    tag: 'artifacts',
    summary: "An erasure's progress: each provider that held a copy, and its signed receipt once it came",
    params: z.object({ cid: cidSchema }),
    responses: {
      200: { description: 'The notices and receipts', content: { 'application/json': erasureAnswerSchema } },
    },
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/artifacts/:cid/key',
    operationId: 'getArtifactKey',
    tag: 'artifacts',
    summary: 'The artifact key the coordinator keeps wrapped to the signer, an owner',
    params: z.object({ cid: cidSchema }),
    headers: z.object({ [ARTIFACT_REQUEST_HEADER]: signedRequestHeader('key') }),
    responses: {
      200: { description: 'The wrapped key', content: { 'application/json': artifactKeyAnswerSchema } },
    },
    errors: [400, 401, 403, 409],
  },
];
