import { z } from 'zod';
import { QUALITY_CHECKS } from '../../feeds/quality/quality-checks.js';
import { decimalInteger } from './decimal-integer.js';
import { KiB, MiB, type RouteContract } from './route-contract.js';
import {
  addressSchema,
  amountSchema,
  jobIdSchema,
  signatureSchema,
  uint64Schema,
  uint256Schema,
} from './wire-fields.js';
import { signed, signedVoucherSchema } from './wire-messages.js';

const bindingWireSchema = z.strictObject({
  owner: addressSchema,
  device: addressSchema,
  kind: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  nonce: uint64Schema,
  expiry: uint64Schema,
});

const signedReadingSchema = z.strictObject({
  payload: z
    .string()
    .max(1_048_576)
    .describe(
      "the reading as JSON text: { device, feed, t, cell, v, seq }, or a batch of one device's readings as a JSON array (docs/feeds.md)",
    ),
  sig: z
    .string()
    .regex(/^0x[0-9a-fA-F]{130}$/)
    .describe("the device's EIP-191 signature of the payload text"),
});

const feedParams = z.object({ feed: z.string().min(1).max(64) });

const fundingWireSchema = z.strictObject({
  buyer: addressSchema,
  fundingId: jobIdSchema,
  feed: z.string().min(1).max(64),
  pricePerReading: uint256Schema,
  budget: uint256Schema,
  from: uint64Schema,
  until: uint64Schema,
  nonce: uint64Schema,
  expiry: uint64Schema,
});

const fundingViewSchema = z.object({
  id: z.string(),
  buyer: addressSchema,
  feed: z.string(),
  pricePerReading: amountSchema,
  budget: amountSchema,
  spent: amountSchema,
  from: z.number().describe('unix ms'),
  until: z.number().describe('unix ms'),
  owners: z.array(
    z.object({ owner: addressSchema, readings: z.number().int(), owed: amountSchema, paid: amountSchema }),
  ),
});
const fundingAnswer = {
  description: 'The funding, with what it owes each owner and what it paid',
  content: { 'application/json': z.object({ funding: fundingViewSchema }) },
};

const readingSchema = z.object({
  device: addressSchema,
  feed: z.string(),
  t: z.number(),
  cell: z.string(),
  v: z.record(z.string(), z.number()),
  seq: z.number(),
  receivedAt: z.number(),
  quality: z
    .object({
      score: z.number(),
      rewardable: z.boolean(),
      reason: z.string().optional().describe('the main reason of a doubtful or failed reading'),
      checks: z.array(
        z.object({
          check: z.enum(QUALITY_CHECKS),
          ok: z.union([z.boolean(), z.literal('warn'), z.null()]),
          why: z.string(),
        }),
      ),
    })
    .optional()
    .describe('absent until the reading is scored (about a minute after it arrives)'),
});

/** Devices and their feeds of signed readings. */
export const FEED_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'POST',
    path: '/v1/devices',
    operationId: 'registerDevice',
    tag: 'feeds',
    summary:
      'Bind a device key to its owner: a DeviceBinding signed by the owner and countersigned by the device',
    body: {
      mediaType: 'application/json',
      schema: z.strictObject({
        binding: signed('DeviceBinding', bindingWireSchema),
        deviceSignature: signatureSchema,
      }),
      limit: 16 * KiB,
      required: true,
    },
    responses: {
      201: {
        description: 'The device, bound',
        content: {
          'application/json': z.object({
            device: z.object({
              device: addressSchema,
              owner: addressSchema,
              kind: z.string(),
              registeredAt: z.number(),
            }),
          }),
        },
      },
    },
    errors: [400, 401, 409],
  },
  {
    method: 'POST',
    path: '/v1/feeds/:feed/readings',
    operationId: 'pushReadings',
    tag: 'feeds',
    summary:
      "Signed readings (or signed batches of one device's readings) of registered devices, 1 to 1,000 items and at most 20,000 readings a request, each reading taken or refused on its own",
    params: feedParams,
    body: {
      mediaType: 'application/json',
      schema: z.object({ readings: z.array(signedReadingSchema).min(1).max(1_000) }),
      limit: 8 * MiB,
      required: true,
    },
    responses: {
      200: {
        description: 'How each reading went, in order',
        content: {
          'application/json': z.object({
            accepted: z.number().int(),
            results: z.array(
              z.union([
                z.object({ accepted: z.literal(true), device: addressSchema, seq: z.number() }),
                z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
              ]),
            ),
          }),
        },
      },
    },
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/feeds/:feed/readings',
    operationId: 'listReadings',
    tag: 'feeds',
    summary: "A feed's latest readings, newest first",
    params: feedParams,
    query: z.object({ device: addressSchema.optional(), limit: decimalInteger(1, 1_000).optional() }),
    responses: {
      200: {
        description: 'The readings',
        content: { 'application/json': z.object({ readings: z.array(readingSchema) }) },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'GET',
    path: '/v1/feeds',
    operationId: 'listFeeds',
    tag: 'feeds',
    summary:
      'Every feed with readings: its devices, readings and rewardable readings, and what its fundings owe and paid',
    responses: {
      200: {
        description: 'The feeds',
        content: {
          'application/json': z.object({
            feeds: z.array(
              z.object({
                feed: z.string(),
                devices: z.number().int(),
                readings: z.number().int(),
                rewardable: z.number().int(),
                owed: amountSchema,
                paid: amountSchema,
              }),
            ),
          }),
        },
      },
    },
    errors: [],
  },
  {
    method: 'POST',
    path: '/v1/feeds/consent',
    operationId: 'setFeedConsent',
    tag: 'feeds',
    summary:
      "An owner's signed FeedConsent: a grant, or a revocation that erases the owner's readings of the feed ('' every feed)",
    body: {
      mediaType: 'application/json',
      schema: z.strictObject({
        consent: signed(
          'FeedConsent',
          z.strictObject({
            owner: addressSchema,
            feed: z.string().max(64),
            granted: z.boolean(),
            nonce: uint64Schema,
            expiry: uint64Schema,
          }),
        ),
      }),
      limit: 16 * KiB,
      required: true,
    },
    responses: {
      200: {
        description: 'The consent recorded, and how many readings a revocation erased',
        content: {
          'application/json': z.object({
            owner: addressSchema,
            feed: z.string(),
            granted: z.boolean(),
            erased: z.number().int(),
          }),
        },
      },
    },
    errors: [400, 401],
  },
  {
    method: 'GET',
    path: '/v1/feeds/:feed/aggregates',
    operationId: 'feedAggregates',
    tag: 'feeds',
    summary:
      "Per cell, a quantity's mean over the rewardable readings of a window, each device once; cells of fewer than k devices withheld, optional Laplace noise",
    params: feedParams,
    query: z.object({
      quantity: z.string().min(1).max(32),
      from: decimalInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('unix ms'),
      until: decimalInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('unix ms'),
      k: decimalInteger(2, 1_000).optional().describe('fewest devices a cell shown has (default 5)'),
      epsilon: z.coerce
        .number()
        .positive()
        .max(100)
        .optional()
        .describe('ε of the Laplace noise on each mean, per device'),
    }),
    responses: {
      200: {
        description: 'The cells shown, and how many were withheld',
        content: {
          'application/json': z.object({
            cells: z.array(
              z.object({
                cell: z.string(),
                devices: z.number().int(),
                readings: z.number().int(),
                mean: z.number(),
              }),
            ),
            withheld: z.number().int(),
          }),
        },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'GET',
    path: '/v1/feeds/:feed/report-input',
    operationId: 'feedReportInput',
    tag: 'feeds',
    summary:
      "The input of a report job over a window's rewardable readings of one quantity, the readings it covers and their Merkle root",
    params: feedParams,
    query: z.object({
      quantity: z.string().min(1).max(32),
      from: decimalInteger(0, Number.MAX_SAFE_INTEGER).describe('unix ms: hour 0 starts here'),
      until: decimalInteger(0, Number.MAX_SAFE_INTEGER).optional().describe('unix ms'),
    }),
    responses: {
      200: {
        description: 'The input (base64) of the feed-report module, and what it covers',
        content: {
          'application/json': z.object({
            input: z.string(),
            cells: z.array(z.string()),
            devices: z.array(z.string()),
            from: z.number(),
            covered: z.array(z.tuple([z.string(), z.number()])),
            merkleRoot: z.string(),
          }),
        },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'GET',
    path: '/v1/feeds/:feed/devices',
    operationId: 'listFeedDevices',
    tag: 'feeds',
    summary:
      "A feed's devices with their reputation (the weighted history of their readings' scores), worst first",
    params: feedParams,
    responses: {
      200: {
        description: 'The devices',
        content: {
          'application/json': z.object({
            devices: z.array(
              z.object({
                device: addressSchema,
                owner: addressSchema,
                kind: z.string(),
                reputation: z.number(),
                scored: z.number().int(),
                rewardable: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
    errors: [400, 404],
  },
  {
    method: 'POST',
    path: '/v1/feeds/:feed/fundings',
    operationId: 'fundFeed',
    tag: 'feeds',
    summary:
      "Fund a feed: a buyer's signed FeedFunding prices each reading above the quality threshold, within a budget",
    params: feedParams,
    body: {
      mediaType: 'application/json',
      schema: z.strictObject({ funding: signed('FeedFunding', fundingWireSchema) }),
      limit: 16 * KiB,
      required: true,
    },
    responses: { 201: fundingAnswer },
    errors: [400, 401, 402],
  },
  {
    method: 'GET',
    path: '/v1/feed-fundings/:id',
    operationId: 'getFeedFunding',
    tag: 'feeds',
    summary: 'A feed funding: its terms, what it spent, and what it owes and paid each device owner',
    params: z.object({ id: z.string().max(66) }),
    responses: { 200: fundingAnswer },
    errors: [404],
  },
  {
    method: 'POST',
    path: '/v1/feed-fundings/:id/payment',
    operationId: 'payFeedRewards',
    tag: 'feeds',
    summary: "The buyer's cumulative vouchers to owners, each for no more than the funding owes them",
    params: z.object({ id: z.string().max(66) }),
    body: {
      mediaType: 'application/json',
      schema: z.strictObject({ vouchers: z.array(signedVoucherSchema).min(1).max(1_000) }),
      limit: 2 * MiB,
      required: true,
    },
    responses: { 200: fundingAnswer },
    errors: [400, 401, 404, 409],
  },
  {
    method: 'GET',
    path: '/v1/feed-rewards/:owner',
    operationId: 'listFeedRewards',
    tag: 'feeds',
    summary: "What a device owner earned from each funding, and each buyer's latest voucher to redeem",
    params: z.object({ owner: addressSchema }),
    responses: {
      200: {
        description: 'The rewards',
        content: {
          'application/json': z.object({
            rewards: z.array(
              z.object({
                fundingId: z.string(),
                owner: addressSchema,
                buyer: addressSchema,
                feed: z.string(),
                readings: z.number().int(),
                owed: amountSchema,
                paid: amountSchema,
                voucher: signedVoucherSchema.optional(),
              }),
            ),
          }),
        },
      },
    },
    errors: [400],
  },
];
