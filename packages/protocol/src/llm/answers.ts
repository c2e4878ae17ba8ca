import { z } from 'zod';
import type { LlmAnswer } from './requests.js';

const usage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});

/** A provider's llm answer as it arrives (its stdout): checked before anything is relayed or billed. */
export const llmAnswerSchema: z.ZodType<LlmAnswer> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['chat', 'completion']),
    text: z.string(),
    tokens: z.array(z.number().int().nonnegative()),
    logprobs: z.array(z.number()),
    finishReason: z.enum(['stop', 'length']),
    usage,
  }),
  z.object({ kind: z.literal('embedding'), embeddings: z.array(z.array(z.number())), usage }),
  z.object({ kind: z.literal('score'), logprobs: z.array(z.number()), text: z.string(), usage }),
  z.object({
    kind: z.literal('verdict'),
    plausible: z.boolean(),
    reason: z.string().max(1000).optional(),
    meanLogprob: z.number(),
    implausibleTokens: z.number().int().nonnegative(),
    usage,
  }),
]);
