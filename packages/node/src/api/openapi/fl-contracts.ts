import { DP_LEVELS, FL_STRATEGIES } from '@idlegrid/protocol';
import { z } from 'zod';
import { decimalInteger } from './decimal-integer.js';
import { KiB, type RouteContract } from './route-contract.js';
import { addressSchema, jobIdSchema, shortStringSchema, uint64Schema, uint256Schema } from './wire-fields.js';
import { signed, signedVoucherSchema } from './wire-messages.js';

export const flRunWireSchema = z.strictObject({
  client: addressSchema,
  runId: jobIdSchema,
  modelCid: shortStringSchema,
  dataset: shortStringSchema,
  settings: z.string().max(4_096).describe('the run settings as JSON (docs/federated.md)'),
  pricePerUpdate: uint256Schema,
  deadline: uint64Schema,
  nonce: uint64Schema,
  expiry: uint64Schema,
});

const roundSchema = z.object({
  round: z.int(),
  participants: z.array(
    z.object({ provider: addressSchema, examples: z.int(), loss: z.number().nullable() }),
  ),
  dropped: z.array(addressSchema),
  paid: z.array(addressSchema),
  rejected: z.array(z.object({ provider: addressSchema, code: z.string(), reason: z.string() })),
  outliers: z.array(addressSchema),
  loss: z.number().nullable(),
  epsilon: z.number().nullable(),
  evaluation: z.object({ accuracy: z.number(), loss: z.number() }).optional(),
  startedAt: z.number(),
  closedAt: z.number(),
  receipts: z.array(z.string()),
});

const runSchema = z.object({
  id: jobIdSchema,
  client: addressSchema,
  state: z.enum(['running', 'completed', 'failed']),
  reason: z.string().nullable(),
  modelCid: z.string(),
  dataset: z.string(),
  settings: z.looseObject({
    rounds: z.int(),
    strategy: z.enum(FL_STRATEGIES),
    dp: z.looseObject({ level: z.enum(DP_LEVELS) }).optional(),
  }),
  pricePerUpdate: z.string(),
  deadline: z.number(),
  roundsDone: z.int(),
  rounds: z.array(roundSchema),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const runParams = z.object({ id: jobIdSchema });

/** Federated runs (docs/federated.md). */
export const FL_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'POST',
    path: '/v1/fl/runs',
    operationId: 'startFederatedRun',
    tag: 'federated',
    summary: 'Start a federated run: a FlRun signed by the client (the same runId again returns the run)',
    body: {
      mediaType: 'application/json',
      schema: signed('FlRun', flRunWireSchema),
      limit: 16 * KiB,
      required: true,
    },
    responses: {
      201: { description: 'The run', content: { 'application/json': z.object({ run: runSchema }) } },
    },
    errors: [400, 401, 404],
  },
  {
    method: 'GET',
    path: '/v1/fl/runs',
    operationId: 'listFederatedRuns',
    tag: 'federated',
    summary: "The newest runs (a client's, when named), without their rounds",
    query: z.object({ client: addressSchema.optional() }),
    responses: {
      200: {
        description: 'The runs',
        content: { 'application/json': z.object({ runs: z.array(runSchema) }) },
      },
    },
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/fl/runs/:id',
    operationId: 'getFederatedRun',
    tag: 'federated',
    summary: 'A run with every closed round: participants, dropped, rejected, outliers, loss, ε',
    params: runParams,
    responses: {
      200: { description: 'The run', content: { 'application/json': z.object({ run: runSchema }) } },
    },
    errors: [404],
  },
  {
    method: 'POST',
    path: '/v1/fl/runs/:id/rounds/:round/payment',
    operationId: 'payFederatedRound',
    tag: 'federated',
    summary: "Pay a closed round's participants: one client voucher each, adding the run's price per update",
    params: z.object({ id: jobIdSchema, round: decimalInteger(0, 1_000) }),
    body: {
      mediaType: 'application/json',
      schema: z.object({
        vouchers: z.array(signedVoucherSchema).min(1).max(1_000),
        evaluation: z
          .strictObject({ accuracy: z.number().min(0).max(1), loss: z.number().min(0) })
          .optional()
          .describe("the client's measure of the round's model on its own held-out test set"),
      }),
      limit: 1024 * KiB,
      required: true,
    },
    responses: {
      200: {
        description: 'The round, with whom it has paid',
        content: { 'application/json': z.object({ round: roundSchema }) },
      },
    },
    errors: [400, 402, 403, 404],
  },
  {
    method: 'GET',
    path: '/v1/fl/runs/:id/model',
    operationId: 'getFederatedModel',
    tag: 'federated',
    summary: 'The global model after a round (the latest by default), as an idlegrid-tfjs/1 bundle',
    params: runParams,
    query: z.object({ round: decimalInteger(0, 1_000).optional() }),
    responses: {
      200: { description: 'The model bundle', content: { 'application/octet-stream': null } },
    },
    errors: [404],
  },
];
