import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type GenerationRequest,
  type LlmGeneration,
  type LlmScores,
  llmJobArgs,
  llmRequestSchema,
} from '@idlegrid/protocol/llm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeGeneration } from '../../verify/llm-plausibility.js';
import { createLlmExecutor, type LlmTask } from './llm-executor.js';
import { rescoreRequest } from './rescore-input.js';
import { writeSuccessorModel } from './testing/successor-model.js';

let task: LlmTask;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'idlegrid-score-'));
  await writeSuccessorModel(join(dir, 'successor.gguf'));
  task = await createLlmExecutor({ device: 'cpu', contextSize: 512 }).prepare(join(dir, 'successor.gguf'));
}, 60_000);

afterAll(async () => {
  await task?.dispose();
});

const chat = llmRequestSchema.parse({
  kind: 'chat',
  messages: [{ role: 'user', content: 'Say it.' }],
  temperature: 1,
  seed: 3,
}) as GenerationRequest;

const scoreOf = async (request: GenerationRequest, tokens: number[]) =>
  (await task.answer(llmRequestSchema.parse({ kind: 'score', request, tokens }))) as LlmScores;

describe('re-scoring an answer (LLM verification)', () => {
  it('finds an honest sampled answer plausible, token by token', async () => {
    const answer = (await task.answer(chat)) as LlmGeneration;
    const scores = await scoreOf(chat, answer.tokens);
    expect(scores.text).toBe(answer.text);
    expect(scores.logprobs).toHaveLength(answer.tokens.length);
    expect(judgeGeneration(answer, scores)).toMatchObject({ plausible: true, implausibleTokens: 0 });
  });

  it('catches a tampered token and a tampered text', async () => {
    const answer = (await task.answer(chat)) as LlmGeneration;
    const swapped = [...answer.tokens];
    // The third token is `c`; put `X` there instead.
    swapped[2] = task.model.tokenize('X')[0]!;
    const tamperedText = `${answer.text.slice(0, 2)}X${answer.text.slice(3)}`;
    const verdict = judgeGeneration({ text: tamperedText, tokens: swapped }, await scoreOf(chat, swapped));
    expect(verdict.plausible).toBe(false);
    expect(verdict.implausibleTokens).toBeGreaterThanOrEqual(1);
    expect(verdict.reason).toMatch(/below ln p/);

    const textOnly = judgeGeneration(
      { text: 'the answer is 42', tokens: answer.tokens },
      await scoreOf(chat, answer.tokens),
    );
    expect(textOnly).toMatchObject({ plausible: false, reason: 'the text is not what its tokens decode to' });
  });

  it('catches an answer that bills more tokens than it processed', async () => {
    const answer = (await task.answer(chat)) as LlmGeneration;
    const scores = await scoreOf(chat, answer.tokens);
    expect(judgeGeneration(answer, scores).plausible).toBe(true);
    const inflated = { ...answer, usage: { ...answer.usage, promptTokens: answer.usage.promptTokens + 100 } };
    expect(judgeGeneration(inflated, scores)).toMatchObject({
      plausible: false,
      reason: expect.stringMatching(/billed/),
    });
  });

  it('catches an answer made for another prompt', async () => {
    const other = llmRequestSchema.parse({ kind: 'completion', prompt: 'm' }) as GenerationRequest;
    const answer = (await task.answer(other)) as LlmGeneration;
    expect(answer.text).toBe('nopqrstuvwxyz');
    // Against the chat prompt, whose answer starts at `a`, `n` first is implausible.
    expect(judgeGeneration(answer, await scoreOf(chat, answer.tokens)).plausible).toBe(false);
  });
});

describe('a --rescore check job: request and answer in, a verdict (numbers, no text) out', () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const verdictOf = async (answer: unknown) => {
    const result = await task.run({
      stdin: rescoreRequest(bytes(chat), bytes(answer)),
      args: llmJobArgs(0, { rescore: true }),
    });
    return JSON.parse(new TextDecoder().decode(result.stdout));
  };

  it('judges the answer where it runs; the output carries none of its text', async () => {
    const answer = (await task.answer(chat)) as LlmGeneration;
    const honest = await verdictOf(answer);
    expect(honest).toMatchObject({ kind: 'verdict', plausible: true, implausibleTokens: 0 });
    expect(JSON.stringify(honest)).not.toContain(answer.text.slice(0, 8));

    const swapped = [...answer.tokens];
    swapped[2] = task.model.tokenize('X')[0]!;
    const tampered = await verdictOf({ ...answer, tokens: swapped });
    expect(tampered).toMatchObject({ kind: 'verdict', plausible: false });
  });

  it('refuses an answer that is no generation with LLM_ANSWER_INVALID, a bad request with LLM_REQUEST_INVALID', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return 'none';
    };
    expect(codeOf(() => rescoreRequest(bytes(chat), bytes({ kind: 'chat', text: 1 })))).toBe(
      'LLM_ANSWER_INVALID',
    );
    expect(codeOf(() => rescoreRequest(bytes(chat), new TextEncoder().encode('not json')))).toBe(
      'LLM_ANSWER_INVALID',
    );
    expect(codeOf(() => rescoreRequest(bytes({ kind: 'chat' }), bytes({})))).toBe('LLM_REQUEST_INVALID');
  });
});
