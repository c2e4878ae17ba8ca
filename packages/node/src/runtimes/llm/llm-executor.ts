import { IdlegridError } from '@idlegrid/protocol';
import {
  billedTokens,
  type LlmAnswer,
  type LlmRequest,
  llmRequestSchema,
  tokenBudgetOf,
} from '@idlegrid/protocol/llm';
import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from 'node-llama-cpp';
import {
  DEFAULT_LIMITS,
  type Executor,
  type PreparedTask,
  type PrepareOptions,
  type RunOptions,
  type RunRequest,
  type RunResult,
} from '../api.js';
import { jsonRunResult, parseJsonRequest } from '../json-job.js';
import { resolveLimits } from '../limits.js';
import { messageOf } from '../runtime-errors.js';
import { Slots } from '../slots.js';
import { embed } from './embed.js';
import { generate } from './generate.js';
import { type LlamaBinding, type LlmDevice, llamaBinding, loadLlama } from './llama-loader.js';
import { rescore, score } from './score.js';

export interface LlmExecutorOptions {
  /** `auto` uses a GPU where llama.cpp finds one (CUDA, Vulkan, Metal), else the CPU. */
  device?: LlmDevice;
  /** Requests one loaded model serves at once (context sequences). */
  parallel?: number;
  /** Context length of each sequence, in tokens (default: the model's, capped at 4096). */
  contextSize?: number;
  /**
   * CPU threads a loaded model computes with (default 1). More threads than free cores make
   * llama.cpp's threads spin against each other: on a loaded 2-core machine, 2 threads ran
   * about 100 times slower per token than 1.
   */
  threads?: number;
}

export interface AnswerOptions extends RunOptions {
  /** Most tokens to process, prompt plus completion (0: no budget). */
  tokenBudget?: number;
}

/** A loaded model: answers requests as JSON (RunRequest's stdin) or directly (`answer`). */
export interface LlmTask extends PreparedTask<RunRequest, RunResult> {
  readonly model: LlamaModel;
  run(request: RunRequest, options?: RunOptions): Promise<RunResult>;
  answer(request: LlmRequest, options?: AnswerOptions): Promise<LlmAnswer>;
}

export interface LlmExecutor extends Executor<RunRequest, RunResult, string> {
  prepare(modelPath: string, options?: PrepareOptions): Promise<LlmTask>;
  /** The device llama.cpp runs on: `cuda`, `vulkan`, `metal`, or false for the CPU. */
  device(): Promise<string | false>;
}

/** The `llm` runtime: GGUF models with llama.cpp (node-llama-cpp); chat, completion and embeddings. */
export function createLlmExecutor(options: LlmExecutorOptions = {}): LlmExecutor {
  const device = options.device ?? 'auto';
  return {
    runtime: 'llm',
    device: async () => (await loadLlama(device)).gpu,
    async prepare(modelPath, prepareOptions = {}) {
      const llama = await loadLlama(device);
      prepareOptions.signal?.throwIfAborted();
      let model: LlamaModel;
      try {
        model = await llama.loadModel({ modelPath, gpuLayers: device === 'cpu' ? 0 : 'auto' });
      } catch (cause) {
        throw new IdlegridError(
          'LLM_MODEL_INVALID',
          `not a GGUF model llama.cpp can load: ${messageOf(cause)}`,
          {
            cause,
          },
        );
      }
      const parallel = options.parallel ?? 2;
      const contextSize = options.contextSize ?? Math.min(model.trainContextSize, 4096);
      const context = await model.createContext({
        sequences: parallel,
        contextSize,
        threads: options.threads ?? 1,
      });
      return loadedModel(await llamaBinding(), model, context, parallel);
    },
  };
}

function loadedModel(lib: LlamaBinding, model: LlamaModel, context: LlamaContext, parallel: number): LlmTask {
  const slots = new Slots(parallel);
  // Sequences are kept and cleared between requests: disposing one frees its slot only later.
  const idle: LlamaContextSequence[] = [];
  // Resolving the chat template takes over a second (node-llama-cpp tries every known format): once per model.
  let wrapper: ChatWrapper | undefined;
  const chatWrapper = () => {
    wrapper ??= lib.resolveChatWrapper(model);
    return wrapper;
  };
  // Embedding contexts hold one sequence; created on the first embedding request.
  let embeddings: Promise<LlamaEmbeddingContext> | undefined;
  const embeddingSlot = new Slots(1);

  async function answer(request: LlmRequest, runOptions: AnswerOptions = {}): Promise<LlmAnswer> {
    const limits = resolveLimits(DEFAULT_LIMITS, runOptions.limits);
    const timeout = AbortSignal.timeout(limits.wallTimeMs);
    const signal = runOptions.signal ? AbortSignal.any([runOptions.signal, timeout]) : timeout;
    try {
      if (request.kind === 'embedding') {
        embeddings ??= model.createEmbeddingContext({ contextSize: context.contextSize });
        const embedder = await embeddings;
        return await embeddingSlot.use(signal, () =>
          embed(model, embedder, request, budgetedContext(context.contextSize, runOptions), signal),
        );
      }
      return await slots.use(signal, async () => {
        const sequence = idle.pop() ?? context.getSequence();
        try {
          const room = budgetedContext(sequence.contextSize, runOptions);
          if (request.kind === 'score')
            return await score(model, chatWrapper, sequence, request, room, signal);
          if (request.kind === 'rescore')
            return await rescore(model, chatWrapper, sequence, request, room, signal);
          return await generate(model, chatWrapper, sequence, request, room, signal, runOptions.onProgress);
        } finally {
          await sequence.clearHistory();
          idle.push(sequence);
        }
      });
    } catch (error) {
      if (timeout.aborted && !runOptions.signal?.aborted) {
        throw new IdlegridError('LLM_TIMEOUT', `generation ran past its ${limits.wallTimeMs} ms limit`, {
          details: { wallTimeMs: limits.wallTimeMs },
        });
      }
      throw error;
    }
  }

  return {
    model,
    answer,
    async run(request, runOptions = {}) {
      const started = performance.now();
      const limits = resolveLimits(DEFAULT_LIMITS, runOptions.limits);
      const parsed = parseRequest(request.stdin);
      const result = await answer(parsed, { ...runOptions, tokenBudget: tokenBudgetOf(request.args ?? []) });
      return {
        ...jsonRunResult(result, limits, performance.now() - started),
        tokens: billedTokens(result.usage),
      };
    },
    async dispose() {
      const embedder = await embeddings?.catch(() => undefined);
      await embedder?.dispose();
      await context.dispose();
      await model.dispose();
    },
  };
}

/** The room a request has: the context, or less under a token budget. */
function budgetedContext(contextSize: number, options: AnswerOptions): number {
  const budget = options.tokenBudget ?? 0;
  return budget > 0 ? Math.min(budget, contextSize) : contextSize;
}

export function parseRequest(stdin: Uint8Array | undefined): LlmRequest {
  return parseJsonRequest(
    'llm',
    llmRequestSchema,
    stdin,
    (message, options) => new IdlegridError('LLM_REQUEST_INVALID', message, options),
  );
}
