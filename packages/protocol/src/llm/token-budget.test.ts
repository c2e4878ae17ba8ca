import { describe, expect, it } from 'vitest';
import { llmRequestSchema } from './requests.js';
import { budgetPrice, tokenBudget } from './token-budget.js';

describe('token budget', () => {
  it('bounds a request by its bytes (no token is shorter), template markers and max tokens', () => {
    const chat = llmRequestSchema.parse({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'héllo' },
      ],
      maxTokens: 100,
    });
    // 8 + 6 bytes (é is two), 16 per message, 16 for the conversation, 100 to generate.
    expect(tokenBudget(chat)).toBe(8 + 6 + 2 * 16 + 16 + 100);
    expect(tokenBudget(llmRequestSchema.parse({ kind: 'completion', prompt: 'abc', maxTokens: 5 }))).toBe(
      3 + 2 + 5,
    );
    expect(tokenBudget(llmRequestSchema.parse({ kind: 'embedding', input: ['ab', 'c'] }))).toBe(
      2 + 2 + 1 + 2,
    );
  });

  it('prices a budget at a price per thousand, rounded up to a base unit', () => {
    expect(budgetPrice(1_500, 2_000n)).toBe(3_000n);
    expect(budgetPrice(1, 1n)).toBe(1n);
    expect(budgetPrice(0, 1_000n)).toBe(0n);
  });
});
