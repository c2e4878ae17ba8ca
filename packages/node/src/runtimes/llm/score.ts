import type { LlmRequest, LlmScores, LlmVerdict } from '@idlegrid/protocol/llm';
import type { ChatWrapper, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { judgeGeneration } from '../../verify/llm-plausibility.js';
import { checkPromptFits, promptOf } from './prompt-tokens.js';

/**
 * Teacher-forced scoring: the prompt and the claimed completion go through the model in one
 * batch, and at each completion position the probability the model gives the claimed token
 * is read. No sampler options are applied, so these are the model's own probabilities,
 * comparable across providers whatever temperature the answer was sampled at.
 */
export async function score(
  model: LlamaModel,
  chatWrapper: () => ChatWrapper,
  sequence: LlamaContextSequence,
  request: Extract<LlmRequest, { kind: 'score' }>,
  room: number,
  signal: AbortSignal,
): Promise<LlmScores> {
  const prompt = promptOf(model, chatWrapper, request.request);
  const tokens = request.tokens as Token[];
  const input = [...prompt.tokens, ...tokens];
  checkPromptFits(input.length, room, 0);
  const first = prompt.tokens.length - 1;
  const output = await sequence.controlledEvaluate(
    input.map((token, index) =>
      index >= first && index < input.length - 1 ? [token, { generateNext: { probabilities: true } }] : token,
    ),
  );
  signal.throwIfAborted();
  const logprobs = tokens.map((token, j) => {
    const probability = output[first + j]?.next.probabilities?.get(token) ?? 0;
    return Math.log(Math.max(probability, Number.MIN_VALUE));
  });
  return {
    kind: 'score',
    logprobs,
    text: model.detokenize(tokens),
    usage: { promptTokens: input.length, completionTokens: 0 },
  };
}

/**
 * Scores another provider's answer and judges it here: the verdict, numbers only, is all that
 * leaves the checker, so that checking a private job's answer shows the coordinator neither the
 * prompt nor the answer.
 */
export async function rescore(
  model: LlamaModel,
  chatWrapper: () => ChatWrapper,
  sequence: LlamaContextSequence,
  request: Extract<LlmRequest, { kind: 'rescore' }>,
  room: number,
  signal: AbortSignal,
): Promise<LlmVerdict> {
  const { answer } = request;
  const scores = await score(
    model,
    chatWrapper,
    sequence,
    { kind: 'score', request: request.request, tokens: answer.tokens },
    room,
    signal,
  );
  return { kind: 'verdict', ...judgeGeneration(answer, scores), usage: scores.usage };
}
