import type { LlmAnswer, LlmGeneration, LlmUsage } from '@idlegrid/protocol/llm';
import type { InferenceResult } from '../../coordinator/inference/inference-gateway.js';

/** What every response says of the network run behind it (an extension OpenAI clients ignore). */
function idlegridOf(result: InferenceResult) {
  return {
    job_id: result.jobId,
    provider: result.provider,
    model_cid: result.model.cid,
    charge: result.charge.toString(),
  };
}

export function usageOf(usage: LlmUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

export function generationOf(answer: LlmAnswer): LlmGeneration {
  if (answer.kind !== 'chat' && answer.kind !== 'completion')
    throw new Error(`expected a generation, got ${answer.kind}`);
  return answer;
}

export function chatCompletion(id: string, created: number, result: InferenceResult) {
  const answer = generationOf(result.answer);
  return {
    id,
    object: 'chat.completion',
    created,
    model: result.model.name,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.text, refusal: null },
        logprobs: null,
        finish_reason: answer.finishReason,
      },
    ],
    usage: usageOf(answer.usage),
    idlegrid: idlegridOf(result),
  };
}

export function textCompletion(id: string, created: number, result: InferenceResult) {
  const answer = generationOf(result.answer);
  return {
    id,
    object: 'text_completion',
    created,
    model: result.model.name,
    choices: [{ index: 0, text: answer.text, logprobs: null, finish_reason: answer.finishReason }],
    usage: usageOf(answer.usage),
    idlegrid: idlegridOf(result),
  };
}

/** Embeddings as floats, or as base64 of little-endian float32 (what the `openai` client asks for by default). */
export function embeddingList(result: InferenceResult, encoding: 'float' | 'base64') {
  if (result.answer.kind !== 'embedding') throw new Error('expected embeddings');
  const { embeddings, usage } = result.answer;
  return {
    object: 'list',
    model: result.model.name,
    data: embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding:
        encoding === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens },
    idlegrid: idlegridOf(result),
  };
}

/** One chunk of a streamed chat completion. */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  delta: { role?: 'assistant'; content?: string },
  finishReason: string | null = null,
) {
  return {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export function textChunk(
  id: string,
  created: number,
  model: string,
  text: string,
  finishReason: string | null = null,
) {
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }],
  };
}
