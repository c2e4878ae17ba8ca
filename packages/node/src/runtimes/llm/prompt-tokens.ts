import { IdlegridError } from '@idlegrid/protocol';
import type { ChatMessage, GenerationRequest } from '@idlegrid/protocol/llm';
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from 'node-llama-cpp';

export interface Prompt {
  tokens: Token[];
  /** Texts that end the answer besides end-of-generation tokens (the chat format's turn markers). */
  stops: string[];
}

/**
 * The exact tokens a request's prompt becomes: a chat rendered with the model's own chat
 * template (as node-llama-cpp resolves it from the GGUF), a completion tokenized as is. A
 * verifier rebuilds the same tokens from the same request, so this must stay deterministic.
 */
export function promptOf(
  model: LlamaModel,
  chatWrapper: () => ChatWrapper,
  request: GenerationRequest,
): Prompt {
  if (request.kind === 'completion') {
    const text = model.tokenize(request.prompt);
    const bos = model.tokens.bos;
    return { tokens: model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...text] : text, stops: [] };
  }
  const wrapper = chatWrapper();
  const chatHistory: ChatHistoryItem[] = [
    ...request.messages.map(historyItem),
    { type: 'model', response: [] },
  ];
  const { contextText, stopGenerationTriggers } = wrapper.generateContextState({ chatHistory });
  return {
    tokens: contextText.tokenize(model.tokenizer),
    stops: stopGenerationTriggers.map((trigger) => trigger.toString()).filter((text) => text.length > 0),
  };
}

function historyItem(message: ChatMessage): ChatHistoryItem {
  switch (message.role) {
    case 'system':
      return { type: 'system', text: message.content };
    case 'user':
      return { type: 'user', text: message.content };
    case 'assistant':
      return { type: 'model', response: [message.content] };
  }
}

/** Refuses a prompt that leaves fewer than `room` tokens (to generate) in a context of `contextSize`. */
export function checkPromptFits(promptTokens: number, contextSize: number, room = 1): void {
  if (promptTokens + room > contextSize) {
    throw new IdlegridError(
      'LLM_CONTEXT_EXCEEDED',
      `the prompt is ${promptTokens} tokens; the model's context holds ${contextSize}`,
      { details: { promptTokens, contextSize } },
    );
  }
}
