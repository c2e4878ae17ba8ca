import type { LlmEmbeddings, LlmRequest } from '@idlegrid/protocol/llm';
import type { LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import { checkPromptFits } from './prompt-tokens.js';

/** One vector per input text, from the model's embedding context, with the tokens it read. */
export async function embed(
  model: LlamaModel,
  embedder: LlamaEmbeddingContext,
  request: Extract<LlmRequest, { kind: 'embedding' }>,
  contextSize: number,
  signal: AbortSignal,
): Promise<LlmEmbeddings> {
  const embeddings: number[][] = [];
  let promptTokens = 0;
  for (const input of request.input) {
    signal.throwIfAborted();
    const tokens = model.tokenize(input);
    checkPromptFits(tokens.length, contextSize, 0);
    const embedding = await embedder.getEmbeddingFor(tokens);
    embeddings.push([...embedding.vector]);
    promptTokens += tokens.length;
  }
  return { kind: 'embedding', embeddings, usage: { promptTokens, completionTokens: 0 } };
}
