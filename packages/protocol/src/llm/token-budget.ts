import type { LlmRequest } from './requests.js';

/** Tokens a chat template adds per message and around the conversation, at most (role markers, separators). */
const TEMPLATE_TOKENS_PER_MESSAGE = 16;
const TEMPLATE_TOKENS = 16;

/**
 * An upper bound on the tokens a request can process, prompt plus completion, computed without
 * the model's tokenizer: no token is shorter than one byte of text, so the prompt has at most
 * as many tokens as bytes (plus the chat template's markers, and a BOS token). It becomes the
 * job's signed token budget, and with the highest price among the model's providers its max price.
 */
export function tokenBudget(request: LlmRequest): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  switch (request.kind) {
    case 'chat':
      return (
        request.messages.reduce((sum, m) => sum + bytes(m.content) + TEMPLATE_TOKENS_PER_MESSAGE, 0) +
        TEMPLATE_TOKENS +
        request.maxTokens
      );
    case 'completion':
      return bytes(request.prompt) + 2 + request.maxTokens;
    case 'embedding':
      return request.input.reduce((sum, text) => sum + bytes(text) + 2, 0);
    case 'score':
      return tokenBudget({ ...request.request, maxTokens: request.tokens.length });
    case 'rescore':
      return tokenBudget({ ...request.request, maxTokens: request.answer.tokens.length });
  }
}

/** The most a budget can cost at `pricePer1kTokens`, rounded up to a base unit. */
export function budgetPrice(tokens: number, pricePer1kTokens: bigint): bigint {
  return (BigInt(tokens) * pricePer1kTokens + 999n) / 1000n;
}
