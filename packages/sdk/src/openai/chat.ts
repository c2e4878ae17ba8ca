import { IdlegridError } from '@idlegrid/protocol';
import { sdkFetch } from '../http/coordinator-client.js';
import { remoteError } from '../http/remote-error.js';
import { readSse } from '../http/sse.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  /** The coordinator's base URL (its OpenAI-compatible API is under `/v1`). */
  coordinatorUrl: string;
  /** An idlegrid API key (`sk-idg-…`). */
  apiKey: string;
  model: string;
  messages: readonly ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Streams the answer: called with each piece of text as the provider generates it. */
  onText?: (text: string) => void;
}

export interface ChatAnswer {
  text: string;
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined;
}

/**
 * One chat completion through the network's OpenAI-compatible API, streamed when `onText` is
 * given. Any OpenAI client works as well; this one needs no dependency and reports errors with
 * idlegrid's codes.
 */
export async function chat(request: ChatRequest): Promise<ChatAnswer> {
  const stream = request.onText !== undefined;
  const response = await sdkFetch(new URL('/v1/chat/completions', request.coordinatorUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${request.apiKey}` },
    body: JSON.stringify({
      model: request.model,
      messages: request.messages,
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.seed === undefined ? {} : { seed: request.seed }),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
    ...(request.signal ? { signal: request.signal } : {}),
  }).catch((cause: unknown) => {
    throw new IdlegridError('COORDINATOR_UNAVAILABLE', `cannot reach ${request.coordinatorUrl}`, { cause });
  });
  if (!response.ok) throw await remoteError(response);
  if (!stream) {
    const body = (await response.json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: ChatAnswer['usage'];
    };
    const choice = body.choices[0];
    if (!choice) throw new IdlegridError('COORDINATOR_BAD_RESPONSE', 'a chat completion without choices');
    return { text: choice.message.content, finishReason: choice.finish_reason, usage: body.usage };
  }
  if (!response.body) throw new IdlegridError('COORDINATOR_BAD_RESPONSE', 'a stream without a body');
  let text = '';
  let finishReason = '';
  let usage: ChatAnswer['usage'];
  for await (const event of readSse(response.body)) {
    if (event.data === '[DONE]') break;
    const chunk = JSON.parse(event.data) as {
      error?: { code?: string; message?: string };
      choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
      usage?: ChatAnswer['usage'];
    };
    if (chunk.error) {
      throw new IdlegridError('PROVIDER_FAILED', chunk.error.message ?? 'the stream failed', {
        details: { remoteCode: chunk.error.code },
      });
    }
    for (const choice of chunk.choices ?? []) {
      if (choice.delta?.content) {
        text += choice.delta.content;
        request.onText?.(choice.delta.content);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, finishReason, usage };
}
