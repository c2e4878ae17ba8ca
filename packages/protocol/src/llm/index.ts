/**
 * `@idlegrid/protocol/llm`: what `llm` jobs read and answer (requests.ts, answers.ts) and the token
 * budget a request is signed under (token-budget.ts): shared by the coordinator, providers and
 * clients that build requests themselves (private jobs).
 */
export { llmAnswerSchema } from './answers.js';
export {
  billedTokens,
  type ChatMessage,
  type FinishReason,
  type GenerationRequest,
  isRescoreJob,
  type LlmAnswer,
  type LlmEmbeddings,
  type LlmGeneration,
  type LlmRequest,
  type LlmRequestInput,
  type LlmScores,
  type LlmUsage,
  type LlmVerdict,
  llmJobArgs,
  llmRequestSchema,
  type PlausibilityVerdict,
  RESCORE_FLAG,
  tokenBudgetOf,
} from './requests.js';
export { budgetPrice, tokenBudget } from './token-budget.js';
