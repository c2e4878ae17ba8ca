import { IdlegridError, parseAmount } from '@idlegrid/protocol';
import {
  budgetPrice,
  type ChatMessage,
  type LlmGeneration,
  llmAnswerSchema,
  llmJobArgs,
  llmRequestSchema,
  tokenBudget,
} from '@idlegrid/protocol/llm';
import type { Hex } from 'viem';
import type { Job } from '../jobs/job.js';
import type { PlacementConstraints } from '../jobs/job-spec.js';
import type { WaitOptions } from '../jobs/wait-for-job.js';
import { listModels } from '../openai/models.js';
import type { OwnerContext } from './owned-artifacts.js';
import { runPrivateJob } from './private-jobs.js';

export interface PrivateChatRequest extends PlacementConstraints {
  /** A model name from `GET /v1/models`. */
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Verification policy (`sample:P` re-scores that share of answers); the coordinator's default when absent. */
  verification?: string;
  /** Seconds the answer may take (default 300). */
  deadlineSeconds?: number;
}

/**
 * Asks a model privately: unlike the OpenAI-compatible API, where the coordinator builds the
 * request and reads the answer, the request is built and sealed here and runs as a private `llm`
 * job (runPrivateJob), so only the provider that answers (and one that checks the answer)
 * reads the prompt and the answer. Paid like any job, under a token budget priced at the
 * model's dearest provider. MODEL_NOT_FOUND when no provider online serves it.
 */
export async function privateChat(
  ctx: OwnerContext,
  request: PrivateChatRequest,
  privateKey: Hex,
  options: WaitOptions = {},
): Promise<{ job: Job; answer: LlmGeneration }> {
  const {
    model: name,
    messages,
    maxTokens,
    temperature,
    seed,
    deadlineSeconds,
    verification,
    ...placement
  } = request;
  const model = (await listModels(ctx, options.signal ? { signal: options.signal } : {})).find(
    (listed) => listed.id === name && listed.runtime === 'llm',
  );
  if (!model) {
    throw new IdlegridError('MODEL_NOT_FOUND', `no provider online serves the llm model ${name}`, {
      details: { model: name },
    });
  }
  const llmRequest = llmRequestSchema.parse({
    kind: 'chat',
    messages,
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(seed === undefined ? {} : { seed }),
  });
  const budget = tokenBudget(llmRequest);
  const { job, result } = await runPrivateJob(
    ctx,
    {
      ...placement,
      runtime: 'llm',
      module: model.cid,
      stdin: new TextEncoder().encode(JSON.stringify(llmRequest)),
      args: llmJobArgs(budget),
      maxPrice: budgetPrice(budget, parseAmount(model.price_per_1k_tokens ?? '0', 'price_per_1k_tokens')),
      deadlineSeconds: deadlineSeconds ?? 300,
      memoryMb: 1,
      cpuCores: 1,
      ...(verification === undefined ? {} : { verification }),
    },
    privateKey,
    options,
  );
  if (result?.exitCode !== 0) {
    const why = job.error ? `: ${job.error.code}: ${job.error.message}` : '';
    throw new IdlegridError('JOB_RESULT_UNAVAILABLE', `private chat job ${job.id} ended ${job.state}${why}`, {
      details: { jobId: job.id, state: job.state },
    });
  }
  const parsed = llmAnswerSchema.safeParse(JSON.parse(new TextDecoder().decode(result.stdout)));
  if (!parsed.success || parsed.data.kind !== 'chat') {
    throw new IdlegridError('RESULT_INVALID', `the answer of private chat job ${job.id} is no chat answer`);
  }
  return { job, answer: parsed.data };
}
