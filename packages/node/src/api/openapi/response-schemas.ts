import { ERROR_CODES, JOB_STATES } from '@idlegrid/protocol';
import { z } from 'zod';
import { addressSchema, amountSchema, cidSchema, jobIdSchema } from './wire-fields.js';
import { signedJobSpecSchema } from './wire-messages.js';

/** Every error of the REST API: a stable code of docs/errors.md, a message, structured details. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
});

/** The OpenAI-compatible routes' errors: OpenAI's shape, with the same stable `code` and `details`. */
export const openAiErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    type: z.string(),
    param: z.string().nullable(),
  }),
});

const jobStateSchema = z.enum(JOB_STATES);
const millis = z.int().min(0);

export const jobRecordSchema = z.looseObject({
  id: jobIdSchema,
  client: addressSchema,
  state: jobStateSchema,
  spec: signedJobSpecSchema,
  provider: addressSchema.nullable(),
  price: amountSchema.nullable(),
  attempt: z.int().min(1),
  maxAttempts: z.int().min(1),
  resultCid: cidSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  deadline: millis,
  leaseExpiresAt: millis.nullable(),
  createdAt: millis,
  updatedAt: millis,
  version: z.int().min(1),
});

export const jobAnswerSchema = z.object({ job: jobRecordSchema });
export const jobsAnswerSchema = z.object({ jobs: z.array(jobRecordSchema) });
export const jobEventsAnswerSchema = z.object({
  events: z.array(
    z.object({
      jobId: jobIdSchema,
      seq: z.int().min(1),
      from: jobStateSchema.nullable(),
      to: jobStateSchema,
      at: millis,
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const batchAnswerSchema = z.object({
  results: z.array(z.union([z.object({ job: jobRecordSchema }), errorBodySchema])),
});

/** Base64 of the manifest's bytes and of small outputs (null: download them by CID). */
export const resultBundleSchema = z.object({
  manifest: z.base64(),
  stdout: z.base64().nullable(),
  stderr: z.base64().nullable(),
});

export const uploadAnswerSchema = z.object({ cid: cidSchema, size: z.int().min(0) });

/** Records whose fields grow with the coordinator: described loosely, never closed. */
export const looseObjectSchema = z.looseObject({});
export const providersAnswerSchema = z.object({ providers: z.array(looseObjectSchema) });
export const providerAnswerSchema = z.object({ provider: looseObjectSchema });
export const paymentStateSchema = z.looseObject({});
export const payeesAnswerSchema = z.object({ payees: z.array(looseObjectSchema) });
export const networkAnswerSchema = z.looseObject({
  chainId: z.int().min(1),
  token: addressSchema,
  coordinatorRegistry: addressSchema,
  staking: addressSchema,
  paymentChannels: addressSchema,
  coordinator: addressSchema,
  readsChain: z.boolean(),
  /** The other coordinators of the mesh, heard from lately, and the providers joined to them. */
  mesh: z.object({
    coordinators: z.array(
      z.object({
        address: addressSchema,
        apiUrl: z.string(),
        p2p: z.array(z.string()),
        providers: z.int().min(0),
        seenAt: z.int(),
      }),
    ),
    providers: z.array(z.object({ address: addressSchema, region: z.string(), seenAt: z.int() })),
    /** Providers other coordinators punished (slashers only), as their notices said. */
    punished: z.array(
      z.object({
        provider: addressSchema,
        coordinator: addressSchema,
        reason: z.string(),
        evidenceHash: z.string(),
        at: z.int(),
      }),
    ),
  }),
});
export const modelsAnswerSchema = z.object({ object: z.literal('list'), data: z.array(looseObjectSchema) });
export const healthAnswerSchema = z.object({ ok: z.literal(true) });
