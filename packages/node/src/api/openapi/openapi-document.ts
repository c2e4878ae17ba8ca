import { z } from 'zod';
import { decimalIntegerJsonSchema } from './decimal-integer.js';
import {
  errorBodySchema,
  jobAnswerSchema,
  jobRecordSchema,
  openAiErrorBodySchema,
} from './response-schemas.js';
import type { MediaType, RouteContract } from './route-contract.js';
import { ROUTE_CONTRACTS } from './route-contracts.js';
import { addressSchema, cidSchema, jobIdSchema } from './wire-fields.js';
import { signedJobCancelSchema, signedJobSpecSchema, signedVoucherSchema } from './wire-messages.js';

type Json = Record<string, unknown>;

/** Schemas shared by many operations, under these names in `components.schemas`. */
const SHARED: [z.ZodType, string, string][] = [
  [errorBodySchema, 'Error', 'Every error: a stable code of docs/errors.md, a message, structured details.'],
  [
    openAiErrorBodySchema,
    'OpenAiError',
    'Errors of the OpenAI-compatible routes: OpenAI’s shape and our code.',
  ],
  [addressSchema, 'Address', 'An EVM address: 0x and 40 hex digits, any case.'],
  [jobIdSchema, 'JobId', 'A job id: 0x and 64 hex digits.'],
  [cidSchema, 'Cid', 'A sha-256 CIDv1 in base32: `bafkrei…` (raw bytes) or `bagaaiera…` (JSON).'],
  [
    signedJobSpecSchema,
    'SignedJobSpec',
    'A JobSpec signed with EIP-712 by its client or a session key of it.',
  ],
  [signedJobCancelSchema, 'SignedJobCancel', 'A JobCancel signed by the job’s client.'],
  [signedVoucherSchema, 'SignedVoucher', 'A payment-channel voucher signed by its client.'],
  [jobRecordSchema, 'Job', 'A job as the coordinator records it; times are unix milliseconds.'],
  [jobAnswerSchema, 'JobAnswer', 'One job.'],
];

const RAW: Partial<Record<MediaType, Json>> = {
  'application/octet-stream': { type: 'string', format: 'binary' },
  'text/event-stream': { type: 'string', description: 'Server-sent events' },
};

/** Fastify's `/v1/jobs/:id` as OpenAPI's `/v1/jobs/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** The errors that say when to come back: refusals by the limits and load shedding. */
const RETRY_STATUSES = new Set([429, 503]);
const ERROR_DESCRIPTIONS: Record<number, string> = {
  429: 'Over a rate limit (RATE_LIMITED) or a daily quota (QUOTA_EXCEEDED) of the caller’s key',
  503: 'Shed under load (OVERLOADED), or a part of the coordinator is unavailable',
};
const RETRY_AFTER_HEADER = {
  description:
    'Seconds to wait before retrying (also in `details.retryAfter`); set on RATE_LIMITED, QUOTA_EXCEEDED and OVERLOADED',
  schema: { type: 'integer', minimum: 1 },
};

/** Every status a route may answer with an error: its own and those its inputs can cause. */
function errorStatuses(contract: RouteContract): number[] {
  const statuses = new Set(contract.errors);
  if (contract.params || contract.query || contract.body) statuses.add(400);
  if (contract.params) statuses.add(414);
  if (contract.body) for (const status of [413, 415]) statuses.add(status);
  if (contract.apiKey) statuses.add(401);
  // Rate limits and quotas (429), load shedding (503): see docs/protocol.md, "Limits".
  if (!contract.unlimited) for (const status of [429, 503]) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * The OpenAPI 3.1 document of the coordinator's HTTP API, built from ROUTE_CONTRACTS: each
 * route's zod schemas become JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), in
 * the wire form requests take (bigints as decimal strings).
 */
export function openApiDocument(options: { artifactBodyLimit?: number } = {}): Json {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of SHARED) registry.add(schema, { id });
  const idOf = (schema: z.ZodType, fallback: string) => {
    if (!registry.has(schema)) registry.add(schema, { id: fallback });
    return registry.get(schema)!.id;
  };
  const names = ROUTE_CONTRACTS.map((contract) => {
    const name = (part: string) => `${contract.operationId}${part}`;
    const inputs = {
      params: contract.params && idOf(contract.params, name('Params')),
      query: contract.query && idOf(contract.query, name('Query')),
      headers: contract.headers && idOf(contract.headers, name('Headers')),
      body:
        contract.body && !RAW[contract.body.mediaType] ? idOf(contract.body.schema, name('Body')) : undefined,
    };
    const responses = Object.fromEntries(
      Object.entries(contract.responses).map(([status, response]) => [
        status,
        Object.fromEntries(
          Object.entries(response.content ?? {}).map(([type, schema]) => [
            type,
            schema ? idOf(schema, name(`Response${status}`)) : undefined,
          ]),
        ),
      ]),
    );
    return { inputs, responses };
  });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
    override: (context) => {
      const integer = decimalIntegerJsonSchema(context.zodSchema);
      if (!integer) return;
      for (const key of Object.keys(context.jsonSchema)) delete (context.jsonSchema as Json)[key];
      Object.assign(context.jsonSchema, integer);
    },
  }) as unknown as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  for (const [, id, description] of SHARED) schemas[id]!.description = description;
  /** Parameter objects are inlined as OpenAPI parameters, not kept as components. */
  const inlined = new Set<string>();
  const parametersOf = (id: string | undefined, where: 'path' | 'query' | 'header') => {
    if (id === undefined) return [];
    const object = schemas[id]!;
    inlined.add(id);
    const required = new Set((object.required as string[] | undefined) ?? []);
    return Object.entries((object.properties ?? {}) as Record<string, Json>).map(([name, schema]) => ({
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema,
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    }));
  };
  const paths: Record<string, Record<string, Json>> = {};
  ROUTE_CONTRACTS.forEach((contract, index) => {
    const { inputs, responses } = names[index]!;
    const errorSchema = ref(contract.openAiErrors ? 'OpenAiError' : 'Error');
    const operation: Json = {
      operationId: contract.operationId,
      summary: contract.summary,
      ...(contract.description ? { description: contract.description } : {}),
      tags: [contract.tag],
      parameters: [
        ...parametersOf(inputs.params, 'path'),
        ...parametersOf(inputs.query, 'query'),
        ...parametersOf(inputs.headers, 'header'),
      ],
      ...(contract.body && {
        requestBody: {
          required: contract.body.required,
          content: {
            [contract.body.mediaType]: {
              schema: RAW[contract.body.mediaType] ?? ref(inputs.body!),
            },
          },
        },
        'x-idlegrid-body-limit':
          contract.body.limit === 'artifact' ? (options.artifactBodyLimit ?? null) : contract.body.limit,
      }),
      responses: {
        ...Object.fromEntries(
          Object.entries(contract.responses).map(([status, response]) => [
            status,
            {
              description: response.description,
              ...(response.headers && {
                headers: Object.fromEntries(
                  Object.entries(response.headers).map(([name, header]) => [
                    name,
                    {
                      description: header.description,
                      schema: z.toJSONSchema(header.schema, { io: 'input' }),
                    },
                  ]),
                ),
              }),
              content: Object.fromEntries(
                Object.keys(response.content ?? {}).map((type) => {
                  const id = responses[status]![type];
                  return [type, { schema: id ? ref(id) : (RAW[type as MediaType] ?? { type: 'string' }) }];
                }),
              ),
            },
          ]),
        ),
        ...Object.fromEntries(
          errorStatuses(contract).map((status) => [
            String(status),
            {
              description: ERROR_DESCRIPTIONS[status] ?? 'An error',
              ...(RETRY_STATUSES.has(status) && { headers: { 'Retry-After': RETRY_AFTER_HEADER } }),
              content: { 'application/json': { schema: errorSchema } },
            },
          ]),
        ),
        default: { description: 'An error', content: { 'application/json': { schema: errorSchema } } },
      },
      ...(contract.apiKey ? { security: [{ apiKey: [] }] } : {}),
      ...(contract.requires ? { 'x-idlegrid-requires': contract.requires } : {}),
    };
    const path = openApiPath(contract.path);
    paths[path] = { ...paths[path], [contract.method.toLowerCase()]: operation };
  });
  for (const id of inlined) delete schemas[id];
  return {
    openapi: '3.1.0',
    info: {
      title: 'idlegrid coordinator',
      version: '1',
      description:
        'The REST API of an idlegrid coordinator, with its OpenAI-compatible routes. Errors are `{ error: { code, message, details } }` with a stable code of docs/errors.md. Operations marked `x-idlegrid-requires` exist only on coordinators with those parts.',
    },
    tags: [...new Set(ROUTE_CONTRACTS.map((contract) => contract.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An idlegrid API key: `sk-idg-` and 104 hex digits (a session key of a payment channel).',
        },
      },
    },
  };
}
