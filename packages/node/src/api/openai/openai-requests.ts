import { IdlegridError } from '@idlegrid/protocol';
import { type LlmRequest, llmRequestSchema } from '@idlegrid/protocol/llm';
import { z } from 'zod';

/** Message content: a string, or OpenAI's array of parts of which only text is supported. */
const content = z.union([
  z.string(),
  z
    .array(z.object({ type: z.literal('text'), text: z.string() }))
    .transform((parts) => parts.map((p) => p.text).join('')),
]);

const sampling = {
  model: z.string().min(1),
  max_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().min(0).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1).nullish(),
  user: z.string().nullish(),
};

export const chatRequestSchema = z.object({
  ...sampling,
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'developer', 'user', 'assistant']),
        content: content.nullish(),
      }),
    )
    .min(1),
  max_completion_tokens: z.number().int().positive().nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({ name: z.string().optional(), schema: z.record(z.string(), z.unknown()) }),
      }),
    ])
    .nullish(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported yet').nullish(),
});

export const completionRequestSchema = z.object({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
});

export const embeddingRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

export type ChatRequest = z.output<typeof chatRequestSchema>;
export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type EmbeddingRequest = z.output<typeof embeddingRequestSchema>;

/** Parses a body with `schema`, or fails with OpenAI's `param` naming the first bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') ?? '';
  throw new IdlegridError('INVALID_ARGUMENT', `${param || 'body'}: ${issue?.message ?? 'invalid'}`, {
    details: { param },
  });
}

const JSON_OBJECT_SCHEMA = { type: 'object' };

/** The llm job request of a chat completion. */
export function chatJobRequest(body: ChatRequest): LlmRequest {
  const format = body.response_format;
  return checked({
    kind: 'chat',
    messages: body.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content ?? '',
    })),
    ...samplingOf(body, body.max_completion_tokens ?? body.max_tokens),
    ...(format?.type === 'json_object' ? { jsonSchema: JSON_OBJECT_SCHEMA } : {}),
    ...(format?.type === 'json_schema' ? { jsonSchema: format.json_schema.schema } : {}),
  });
}

export function completionJobRequest(body: CompletionRequest): LlmRequest {
  const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0]!;
  // OpenAI's legacy completions default to 16 tokens.
  return checked({ kind: 'completion', prompt, ...samplingOf(body, body.max_tokens ?? 16) });
}

export function embeddingJobRequest(body: EmbeddingRequest): LlmRequest {
  return checked({ kind: 'embedding', input: typeof body.input === 'string' ? [body.input] : body.input });
}

function samplingOf(body: z.output<z.ZodObject<typeof sampling>>, maxTokens: number | null | undefined) {
  return {
    ...(maxTokens ? { maxTokens } : {}),
    // OpenAI samples at temperature 1 unless told otherwise.
    temperature: body.temperature ?? 1,
    ...(body.top_p ? { topP: body.top_p } : {}),
    seed: body.seed ?? Math.floor(Math.random() * 2 ** 32),
    ...(body.stop ? { stop: typeof body.stop === 'string' ? [body.stop] : body.stop } : {}),
  };
}

function checked(request: unknown): LlmRequest {
  return parseBody(llmRequestSchema, request);
}
