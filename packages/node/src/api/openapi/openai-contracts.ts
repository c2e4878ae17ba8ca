import { z } from 'zod';
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
} from '../openai/openai-requests.js';
import { looseObjectSchema, modelsAnswerSchema } from './response-schemas.js';
import { MiB, type RouteContract } from './route-contract.js';

/** Chats carry whole conversations; embeddings up to 2048 inputs. */
const OPENAI_BODY_LIMIT = 4 * MiB;

const verifyHeader = z.object({
  /** The verification policy: `sample:P` re-scores that share of answers. */
  'x-idlegrid-verify': z
    .string()
    .regex(/^(none|sample:(0(\.[0-9]{1,6})?|1))$/)
    .optional(),
});

const generation = (
  operationId: string,
  path: string,
  summary: string,
  schema: z.ZodType,
): RouteContract => ({
  method: 'POST',
  path,
  operationId,
  tag: 'openai',
  summary,
  description:
    'With `stream: true` the answer is OpenAI’s event stream: `data: <chunk>` lines, then `data: [DONE]`.',
  requires: ['inference', 'registry'],
  apiKey: true,
  openAiErrors: true,
  headers: verifyHeader,
  body: { mediaType: 'application/json', schema, limit: OPENAI_BODY_LIMIT, required: true },
  responses: {
    200: {
      description: 'The completion, or its chunks as server-sent events',
      content: { 'application/json': looseObjectSchema, 'text/event-stream': null },
    },
  },
  errors: [400, 401, 402, 404, 502, 503, 504],
});

export const OPENAI_CONTRACTS: readonly RouteContract[] = [
  {
    method: 'GET',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'openai',
    summary: 'Models online providers serve',
    requires: ['inference', 'registry'],
    openAiErrors: true,
    responses: { 200: { description: 'The models', content: { 'application/json': modelsAnswerSchema } } },
    errors: [],
  },
  generation('createChatCompletion', '/v1/chat/completions', 'A chat completion', chatRequestSchema),
  generation('createCompletion', '/v1/completions', 'A (legacy) text completion', completionRequestSchema),
  {
    ...generation('createEmbeddings', '/v1/embeddings', 'Embeddings of texts', embeddingRequestSchema),
    description: 'Floats, or base64 of little-endian float32 (`encoding_format: base64`).',
    headers: z.object({}),
    responses: {
      200: { description: 'The embeddings', content: { 'application/json': looseObjectSchema } },
    },
  },
];
