import type { FinishReason, GenerationRequest, LlmGeneration } from '@idlegrid/protocol/llm';
import type { ChatWrapper, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { RunProgress } from '../api.js';
import { llamaBinding } from './llama-loader.js';
import { checkPromptFits, promptOf } from './prompt-tokens.js';
import { StopScanner } from './stop-scanner.js';

/**
 * Generates one answer on a sequence of its own, token by token, so that the caller sees
 * every token id and its probability (a verifier re-scores them) and text streams out as it
 * comes, held back only where it might be the start of a stop string.
 */
export async function generate(
  model: LlamaModel,
  chatWrapper: () => ChatWrapper,
  sequence: LlamaContextSequence,
  request: GenerationRequest,
  /** Tokens the prompt and completion may take together: the context, or a smaller token budget. */
  room: number,
  signal: AbortSignal,
  onProgress?: (progress: RunProgress) => void,
): Promise<LlmGeneration> {
  const lib = await llamaBinding();
  const prompt = promptOf(model, chatWrapper, request);
  checkPromptFits(prompt.tokens.length, room);
  const maxTokens = Math.min(request.maxTokens, room - prompt.tokens.length);
  const grammar = request.jsonSchema
    ? await model.llama.createGrammarForJsonSchema(request.jsonSchema as never)
    : undefined;
  const grammarEvaluationState = grammar
    ? new lib.LlamaGrammarEvaluationState({ model, grammar })
    : undefined;
  const scanner = new StopScanner([...request.stop, ...prompt.stops]);
  const tokens: Token[] = [];
  const logprobs: number[] = [];
  // The evaluation ends by itself after an end-of-generation token, which it does not yield.
  let finishReason: FinishReason = 'stop';
  let reported = 0;
  const report = (text: string) => {
    if (text.length === 0) return;
    onProgress?.({ text, tokens: tokens.length - reported });
    reported = tokens.length;
  };

  const evaluation = sequence.evaluateWithMetadata(
    prompt.tokens,
    { confidence: true },
    {
      temperature: request.temperature,
      topP: request.topP,
      topK: request.topK,
      seed: request.seed,
      ...(grammarEvaluationState ? { grammarEvaluationState } : {}),
    },
  );
  for await (const { token, confidence } of evaluation) {
    signal.throwIfAborted();
    if (model.isEogToken(token)) break;
    tokens.push(token);
    logprobs.push(Math.log(Math.max(confidence, Number.MIN_VALUE)));
    const { emit, stopped } = scanner.push(model.detokenize(tokens));
    report(emit);
    if (stopped) break;
    if (tokens.length >= maxTokens) {
      finishReason = 'length';
      break;
    }
  }
  signal.throwIfAborted();
  report(scanner.flush());
  return {
    kind: request.kind,
    text: scanner.text,
    tokens,
    logprobs,
    finishReason,
    usage: { promptTokens: prompt.tokens.length, completionTokens: tokens.length },
  };
}
