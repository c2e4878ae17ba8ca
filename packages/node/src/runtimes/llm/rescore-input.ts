import { IdlegridError, type IdlegridErrorOptions } from '@idlegrid/protocol';
import { type LlmRequest, llmAnswerSchema, llmRequestSchema } from '@idlegrid/protocol/llm';
import { checkedRequest } from '../json-job.js';

/**
 * The request of a `--rescore` job, built where it runs from the job's two inputs: the request
 * another provider answered and its answer. The checker reads both (opened in memory for a
 * private job) and outputs only a verdict. An answer that is no generation fails with
 * LLM_ANSWER_INVALID: the checked provider signed an answer no client could read.
 */
export function rescoreRequest(request: Uint8Array, answer: Uint8Array): Uint8Array {
  const asked = checkedRequest('llm', llmRequestSchema, jsonOf(request), requestInvalid);
  if (asked.kind !== 'chat' && asked.kind !== 'completion')
    throw requestInvalid(`a ${asked.kind} request is not checked by re-scoring`);
  const parsed = llmAnswerSchema.safeParse(jsonOf(answer));
  if (!parsed.success || (parsed.data.kind !== 'chat' && parsed.data.kind !== 'completion'))
    throw new IdlegridError('LLM_ANSWER_INVALID', 'the answer checked is no llm generation');
  const { text, tokens, usage } = parsed.data;
  const rescore: LlmRequest = { kind: 'rescore', request: asked, answer: { text, tokens, usage } };
  return new TextEncoder().encode(JSON.stringify(rescore));
}

function jsonOf(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

const requestInvalid = (message: string, options?: IdlegridErrorOptions) =>
  new IdlegridError('LLM_REQUEST_INVALID', message, options);
