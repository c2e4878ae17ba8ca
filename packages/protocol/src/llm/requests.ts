import { z } from 'zod';

/**
 * What an `llm` job asks for and what it answers, as JSON: the request is the job's first input
 * (the runtime reads it as stdin), the answer is its stdout. The coordinator's OpenAI-compatible
 * API builds these requests; any client may submit them as ordinary jobs too (a private job's
 * client builds and seals its own).
 */

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(1_000_000),
});

const sampling = {
  /** Tokens to generate at most. */
  maxTokens: z.number().int().min(1).max(32_768).default(256),
  /** 0 = greedy (deterministic); above 0 samples with `seed`. */
  temperature: z.number().min(0).max(2).default(0),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().min(0).max(1000).default(0),
  /** Makes sampling repeatable: the same request and seed give the same tokens on the same build. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(0),
  /** Generation stops before the first of these strings. */
  stop: z.array(z.string().min(1).max(256)).max(4).default([]),
  /** Constrains the output to JSON matching this schema (a GBNF grammar derived from it). */
  jsonSchema: z.record(z.string(), z.unknown()).optional(),
};

const chatRequest = z.strictObject({
  kind: z.literal('chat'),
  messages: z.array(message).min(1).max(1024),
  ...sampling,
});
const completionRequest = z.strictObject({
  kind: z.literal('completion'),
  prompt: z.string().max(1_000_000),
  ...sampling,
});

export const llmRequestSchema = z.discriminatedUnion('kind', [
  chatRequest,
  completionRequest,
  /**
   * A verifier's check of another provider's answer: the log-probability of each of its tokens
   * under the model, with the prompt and those tokens evaluated in one pass (teacher forcing):
   * the cost of a prefill, not of generating them again.
   */
  z.strictObject({
    kind: z.literal('score'),
    request: z.discriminatedUnion('kind', [chatRequest, completionRequest]),
    tokens: z.array(z.number().int().nonnegative()).max(32_768),
  }),
  /**
   * A verifier's check of another provider's answer, judged where it runs: the answer's tokens are
   * scored as `score` does, and the verdict (numbers, no text) is the output. Built by the
   * provider that checks from the two inputs of a `--rescore` job (the request and the answer),
   * so that the check of a private job reveals neither to the coordinator.
   */
  z.strictObject({
    kind: z.literal('rescore'),
    request: z.discriminatedUnion('kind', [chatRequest, completionRequest]),
    answer: z.strictObject({
      text: z.string(),
      tokens: z.array(z.number().int().nonnegative()).max(32_768),
      usage: z.strictObject({
        promptTokens: z.number().int().nonnegative(),
        completionTokens: z.number().int().nonnegative(),
      }),
    }),
  }),
  z.strictObject({
    kind: z.literal('embedding'),
    input: z.array(z.string().max(1_000_000)).min(1).max(2048),
  }),
]);

export type LlmRequest = z.output<typeof llmRequestSchema>;
export type LlmRequestInput = z.input<typeof llmRequestSchema>;
export type ChatMessage = z.output<typeof message>;

export type FinishReason = 'stop' | 'length';

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export type GenerationRequest = Extract<LlmRequest, { kind: 'chat' | 'completion' }>;

/** A generation's answer: the text, its tokens (so a verifier can re-score them) and their count. */
export interface LlmGeneration {
  kind: 'chat' | 'completion';
  text: string;
  /** Token ids of the completion, in order; the prompt's are recomputed from the request. */
  tokens: number[];
  /** Natural log of each completion token's probability under the sampler, as the provider saw it. */
  logprobs: number[];
  finishReason: FinishReason;
  usage: LlmUsage;
}

export interface LlmEmbeddings {
  kind: 'embedding';
  embeddings: number[][];
  usage: LlmUsage;
}

/** Each given token's natural-log probability under the model, and their text as the model decodes it. */
export interface LlmScores {
  kind: 'score';
  logprobs: number[];
  text: string;
  usage: LlmUsage;
}

/** Whether a generated answer is plausible under the model (see the node's verify/llm-plausibility.ts). */
export interface PlausibilityVerdict {
  plausible: boolean;
  /** Why not, when not. */
  reason?: string | undefined;
  meanLogprob: number;
  implausibleTokens: number;
}

/** A `rescore` request's answer. */
export interface LlmVerdict extends PlausibilityVerdict {
  kind: 'verdict';
  usage: LlmUsage;
}

export type LlmAnswer = LlmGeneration | LlmEmbeddings | LlmScores | LlmVerdict;

/** Tokens billed for an answer: prompt plus completion, as OpenAI counts them. */
export function billedTokens(usage: LlmUsage): number {
  return usage.promptTokens + usage.completionTokens;
}

const TOKEN_BUDGET_FLAG = '--token-budget';
/** Marks a check: the job's inputs are a request and another provider's answer to it, judged by re-scoring. */
export const RESCORE_FLAG = '--rescore';

/**
 * An llm job's signed arguments: `--token-budget N` caps the tokens it processes, prompt plus
 * completion. The provider stops generating at the budget, so the job's charge is bounded by
 * the budget at the provider's price per thousand tokens, which is what placement ranks by.
 */
export function llmJobArgs(tokenBudget: number, options: { rescore?: boolean } = {}): string[] {
  return [TOKEN_BUDGET_FLAG, String(tokenBudget), ...(options.rescore ? [RESCORE_FLAG] : [])];
}

/** Whether an llm job checks an answer (RESCORE_FLAG). */
export function isRescoreJob(args: readonly string[]): boolean {
  return args.includes(RESCORE_FLAG);
}

/** The job's token budget, or 0 for none. */
export function tokenBudgetOf(args: readonly string[]): number {
  const at = args.indexOf(TOKEN_BUDGET_FLAG);
  const value = at >= 0 ? Number(args[at + 1]) : 0;
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
