import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmEmbeddings, LlmGeneration, LlmRequestInput } from '@idlegrid/protocol/llm';
import { llmJobArgs, llmRequestSchema } from '@idlegrid/protocol/llm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmExecutor, type LlmTask } from './llm-executor.js';
import { SUCCESSOR_REPLY, writeSuccessorModel } from './testing/successor-model.js';

const executor = createLlmExecutor({ device: 'cpu', parallel: 2, contextSize: 512 });
let task: LlmTask;
let dir: string;

const ask = async (input: LlmRequestInput, options: Parameters<LlmTask['answer']>[1] = {}) =>
  (await task.answer(llmRequestSchema.parse(input), options)) as LlmGeneration;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'idlegrid-llm-'));
  await writeSuccessorModel(join(dir, 'successor.gguf'));
  task = await executor.prepare(join(dir, 'successor.gguf'));
}, 60_000);

afterAll(async () => {
  await task?.dispose();
});

describe('llm executor (llama.cpp on a generated GGUF)', () => {
  it("answers a chat in the model's own chat format, with every token and its probability", async () => {
    const answer = await ask({ kind: 'chat', messages: [{ role: 'user', content: 'Say the alphabet.' }] });
    expect(answer.text).toBe(SUCCESSOR_REPLY);
    expect(answer.finishReason).toBe('stop');
    expect(answer.tokens).toHaveLength(26);
    expect(answer.usage.completionTokens).toBe(26);
    // The template adds role markers around the 17 characters of the message.
    expect(answer.usage.promptTokens).toBeGreaterThan(17);
    for (const logprob of answer.logprobs) expect(logprob).toBeGreaterThan(-0.01);
  });

  it('completes a prompt and stops at max tokens, at a stop string, or at the end of text', async () => {
    expect((await ask({ kind: 'completion', prompt: 'xy' })).text).toBe('z');
    const limited = await ask({ kind: 'completion', prompt: 'a', maxTokens: 3 });
    expect(limited).toMatchObject({ text: 'bcd', finishReason: 'length' });
    const stopped = await ask({ kind: 'completion', prompt: 'a', stop: ['fg'] });
    expect(stopped).toMatchObject({ text: 'bcde', finishReason: 'stop' });
  });

  it('streams the text as it is generated, never a part of a stop string', async () => {
    const chunks: string[] = [];
    let tokens = 0;
    const answer = await ask(
      { kind: 'completion', prompt: 'k', stop: ['uvw'] },
      {
        onProgress: (progress) => {
          chunks.push(progress.text);
          tokens += progress.tokens;
        },
      },
    );
    expect(answer.text).toBe('lmnopqrst');
    expect(chunks.join('')).toBe(answer.text);
    expect(chunks.length).toBeGreaterThan(3);
    // The held-back `u` and `uv` were generated too, but never shown.
    expect(tokens).toBeLessThanOrEqual(answer.tokens.length);
  });

  it('samples with a seed repeatably', async () => {
    const request = { kind: 'completion', prompt: 'q', temperature: 1, topK: 40 } as const;
    const first = await ask({ ...request, seed: 7 });
    expect(first.text).toBe('rstuvwxyz');
    expect((await ask({ ...request, seed: 7 })).tokens).toEqual(first.tokens);
  });

  it('constrains output to a JSON schema', async () => {
    const answer = await ask({
      kind: 'completion',
      prompt: 'Is it true? ',
      maxTokens: 16,
      jsonSchema: { type: 'boolean' },
    });
    expect(typeof JSON.parse(answer.text)).toBe('boolean');
  });

  it('embeds texts: one vector per input, differing by content', async () => {
    const answer = (await task.answer(
      llmRequestSchema.parse({ kind: 'embedding', input: ['abc', 'abd'] }),
    )) as LlmEmbeddings;
    expect(answer.embeddings).toHaveLength(2);
    expect(answer.embeddings[0]).toHaveLength(384);
    expect(answer.embeddings[0]).not.toEqual(answer.embeddings[1]);
    expect(answer.usage).toEqual({ promptTokens: 6, completionTokens: 0 });
  });

  it('runs JSON requests as a job runs them, and reports tokens for billing', async () => {
    const stdin = new TextEncoder().encode(JSON.stringify({ kind: 'completion', prompt: 'w' }));
    const result = await task.run({ stdin });
    const answer = JSON.parse(new TextDecoder().decode(result.stdout)) as LlmGeneration;
    expect(answer.text).toBe('xyz');
    expect(result.exitCode).toBe(0);
    expect(result.tokens).toBe(answer.usage.promptTokens + answer.usage.completionTokens);
  });

  it('stops at the signed token budget, prompt included, so the charge stays bounded', async () => {
    const stdin = new TextEncoder().encode(JSON.stringify({ kind: 'completion', prompt: 'a' }));
    const result = await task.run({ stdin, args: llmJobArgs(5) });
    const answer = JSON.parse(new TextDecoder().decode(result.stdout)) as LlmGeneration;
    expect(answer).toMatchObject({ text: 'bcd', finishReason: 'length' });
    expect(result.tokens).toBe(5);
    await expect(task.run({ stdin, args: llmJobArgs(1) })).rejects.toMatchObject({
      code: 'LLM_CONTEXT_EXCEEDED',
    });
  });

  it('refuses malformed requests, prompts longer than the context, and files that are no model', async () => {
    await expect(task.run({ stdin: new TextEncoder().encode('{"kind":"chat"') })).rejects.toMatchObject({
      code: 'LLM_REQUEST_INVALID',
    });
    await expect(
      task.run({ stdin: new TextEncoder().encode('{"kind":"chat","messages":[]}') }),
    ).rejects.toMatchObject({
      code: 'LLM_REQUEST_INVALID',
    });
    await expect(ask({ kind: 'completion', prompt: 'a'.repeat(600) })).rejects.toMatchObject({
      code: 'LLM_CONTEXT_EXCEEDED',
    });
    await writeFile(join(dir, 'broken.gguf'), Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64)]));
    await expect(executor.prepare(join(dir, 'broken.gguf'))).rejects.toMatchObject({
      code: 'LLM_MODEL_INVALID',
    });
  });

  it('stops when aborted or out of time, and serves more requests than sequences', async () => {
    const controller = new AbortController();
    const aborted = ask(
      { kind: 'completion', prompt: 'a' },
      { signal: controller.signal, onProgress: () => controller.abort(new Error('client left')) },
    );
    await expect(aborted).rejects.toThrow('client left');
    const answers = await Promise.all(
      ['a', 'h', 'p', 'w'].map((prompt) => ask({ kind: 'completion', prompt, maxTokens: 4 })),
    );
    expect(answers.map((a) => a.text)).toEqual(['bcde', 'ijkl', 'qrst', 'xyz']);
  });
});
