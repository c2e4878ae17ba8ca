import { describe, expect, it } from 'vitest';
import {
  chatJobRequest,
  chatRequestSchema,
  completionJobRequest,
  completionRequestSchema,
  embeddingJobRequest,
  embeddingRequestSchema,
  parseBody,
} from './openai-requests.js';

describe('OpenAI requests as llm jobs', () => {
  it('maps a chat: developer messages are system ones, text parts join, json_object constrains', () => {
    const body = parseBody(chatRequestSchema, {
      model: 'm',
      messages: [
        { role: 'developer', content: 'terse' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
      max_completion_tokens: 7,
      temperature: 0,
      seed: 9,
      stop: 'x',
      response_format: { type: 'json_object' },
    });
    expect(chatJobRequest(body)).toMatchObject({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'terse' },
        { role: 'user', content: 'ab' },
      ],
      maxTokens: 7,
      temperature: 0,
      seed: 9,
      stop: ['x'],
      jsonSchema: { type: 'object' },
    });
  });

  it("samples at OpenAI's defaults: temperature 1, 16 tokens for legacy completions", () => {
    const completion = completionJobRequest(
      parseBody(completionRequestSchema, { model: 'm', prompt: ['hi'] }),
    );
    expect(completion).toMatchObject({ kind: 'completion', prompt: 'hi', maxTokens: 16, temperature: 1 });
    expect(embeddingJobRequest(parseBody(embeddingRequestSchema, { model: 'm', input: 'one' }))).toEqual({
      kind: 'embedding',
      input: ['one'],
    });
  });

  it('names the first bad field as OpenAI does (`param`), with a stable code', () => {
    const bad = (body: unknown) => {
      try {
        parseBody(chatRequestSchema, body);
      } catch (error) {
        return error;
      }
      throw new Error('expected an error');
    };
    expect(bad({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { param: 'messages.0.role' },
    });
    expect(bad({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 })).toMatchObject({
      details: { param: 'n' },
    });
    expect(bad({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{}] })).toMatchObject({
      details: { param: 'tools' },
    });
  });
});
