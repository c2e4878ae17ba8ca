import { exactDecimal, IdlegridError, toWireJson } from '@idlegrid/protocol';
import { billedTokens, type LlmRequest } from '@idlegrid/protocol/llm';
import { type ApiKey, parseApiKey } from '@idlegrid/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Address } from 'viem';
import type { InferenceGateway, InferenceResult } from '../../coordinator/inference/inference-gateway.js';
import { modelCatalog } from '../../coordinator/inference/model-catalog.js';
import type { ProviderRegistry } from '../../coordinator/provider-registry.js';
import type { RequestLimits } from '../limits/request-limits.js';
import { openAiError, openAiErrorReply } from './openai-errors.js';
import {
  chatJobRequest,
  chatRequestSchema,
  completionJobRequest,
  completionRequestSchema,
  embeddingJobRequest,
  embeddingRequestSchema,
  parseBody,
} from './openai-requests.js';
import {
  chatChunk,
  chatCompletion,
  embeddingList,
  generationOf,
  textChunk,
  textCompletion,
  usageOf,
} from './openai-responses.js';

export interface OpenAiRouteDeps {
  gateway: InferenceGateway;
  registry: ProviderRegistry;
  limits: RequestLimits;
}

/** A live API key: what the request runs with, and the session address its limits count for. */
interface AuthorizedKey {
  key: ApiKey;
  session: Address;
}

/**
 * The OpenAI-compatible API: `/v1/models`, `/v1/chat/completions`, `/v1/completions` and
 * `/v1/embeddings`, with errors in OpenAI's shape. The bearer token is an idlegrid API key
 * (`sk-idg-…`, a session key of the client's payment channel); each request is a network job
 * paid by that key. Registered in a scope of its own, so its error format stays its own.
 */
export function openAiRoutes(app: FastifyInstance, deps: OpenAiRouteDeps): void {
  void app.register(async (scope) => {
    scope.setErrorHandler(openAiErrorReply);

    scope.get('/v1/models', async () => ({
      object: 'list',
      data: [...modelCatalog(deps.registry).values()].map((model) => ({
        id: model.name,
        object: 'model',
        created: 0,
        owned_by: 'idlegrid',
        runtime: model.runtime,
        cid: model.cid,
        providers: model.providers.length,
        // Only token-metered models have a price per token, given in GRID (exact decimal).
        ...(model.runtime === 'llm' ? { price_per_1k_tokens: exactDecimal(model.maxPricePer1kTokens) } : {}),
      })),
    }));

    scope.post('/v1/chat/completions', async (request, reply) => {
      // The key first: an unknown caller learns nothing of the request or the models.
      const key = await authorizedKey(request, deps);
      const body = parseBody(chatRequestSchema, request.body);
      const job = chatJobRequest(body);
      const created = Math.floor(Date.now() / 1000);
      if (!body.stream) {
        const result = await run(deps, key, body.model, job, {
          signal: abortOf(reply),
          ...verificationOf(request),
        });
        return chatCompletion(`chatcmpl-${result.jobId.slice(2)}`, created, result);
      }
      const id = `chatcmpl-${crypto.randomUUID()}`;
      return stream(request, reply, deps, key, body.model, job, {
        start: () => chatChunk(id, created, body.model, { role: 'assistant', content: '' }),
        text: (text) => chatChunk(id, created, body.model, { content: text }),
        end: (result) => chatChunk(id, created, body.model, {}, generationOf(result.answer).finishReason),
        includeUsage: body.stream_options?.include_usage === true,
        usage: (result) => ({
          ...chatChunk(id, created, body.model, {}),
          choices: [],
          usage: usageOf(result.answer.usage),
        }),
      });
    });

    scope.post('/v1/completions', async (request, reply) => {
      // The key first: an unknown caller learns nothing of the request or the models.
      const key = await authorizedKey(request, deps);
      const body = parseBody(completionRequestSchema, request.body);
      const job = completionJobRequest(body);
      const created = Math.floor(Date.now() / 1000);
      if (!body.stream) {
        const result = await run(deps, key, body.model, job, {
          signal: abortOf(reply),
          ...verificationOf(request),
        });
        return textCompletion(`cmpl-${result.jobId.slice(2)}`, created, result);
      }
      const id = `cmpl-${crypto.randomUUID()}`;
      return stream(request, reply, deps, key, body.model, job, {
        text: (text) => textChunk(id, created, body.model, text),
        end: (result) => textChunk(id, created, body.model, '', generationOf(result.answer).finishReason),
        includeUsage: body.stream_options?.include_usage === true,
        usage: (result) => ({
          ...textChunk(id, created, body.model, ''),
          choices: [],
          usage: usageOf(result.answer.usage),
        }),
      });
    });

    scope.post('/v1/embeddings', async (request, reply) => {
      const key = await authorizedKey(request, deps);
      const body = parseBody(embeddingRequestSchema, request.body);
      const result = await run(deps, key, body.model, embeddingJobRequest(body), {
        signal: abortOf(reply),
      });
      return embeddingList(result, body.encoding_format ?? 'float');
    });
  });
}

/**
 * The request's verification policy, from the `x-idlegrid-verify` header: `sample:P` has that
 * share of answers re-scored by another provider before they are accepted and paid.
 */
function verificationOf(request: FastifyRequest): { verification?: string } {
  const header = request.headers['x-idlegrid-verify'];
  return typeof header === 'string' && header ? { verification: header } : {};
}

/**
 * The request's API key, once the chain says it is live, counted for its rate and quota (only
 * then: a made-up key counts for its caller's IP alone, never for a real key's bucket).
 */
async function authorizedKey(request: FastifyRequest, deps: OpenAiRouteDeps): Promise<AuthorizedKey> {
  const key = apiKeyOf(request);
  const session = await deps.gateway.authorize(key);
  deps.limits.chargeApiKey(session);
  return { key, session };
}

/** Runs the request as a network job, and counts the tokens it used for the key's day. */
async function run(
  deps: OpenAiRouteDeps,
  { key, session }: AuthorizedKey,
  model: string,
  job: LlmRequest,
  options: Parameters<InferenceGateway['run']>[3],
): Promise<InferenceResult> {
  const result = await deps.gateway.run(key, model, job, options);
  deps.limits.useTokens(session, billedTokens(result.answer.usage));
  return result;
}

function apiKeyOf(request: FastifyRequest): ApiKey {
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (!token)
    throw new IdlegridError('API_KEY_INVALID', 'send the API key as `Authorization: Bearer sk-idg-…`');
  return parseApiKey(token);
}

/** Aborts when the client goes away before its answer is written, so its job is cancelled, not paid. */
function abortOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new IdlegridError('ABORTED', 'the client went away'));
  });
  return controller.signal;
}

interface StreamShape {
  start?: () => unknown;
  text: (text: string) => unknown;
  end: (result: InferenceResult) => unknown;
  includeUsage: boolean;
  usage: (result: InferenceResult) => unknown;
}

/** Server-sent events as OpenAI streams them: `data: <chunk>` lines, errors in-band, then `data: [DONE]`. */
async function stream(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: OpenAiRouteDeps,
  key: AuthorizedKey,
  model: string,
  job: LlmRequest,
  shape: StreamShape,
): Promise<FastifyReply> {
  let open = false;
  let started = false;
  /** Writes the chunks in one write: a second small write may wait for the first's acknowledgement. */
  const send = (...chunks: unknown[]) => {
    if (!open) {
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      open = true;
    }
    reply.raw.write(chunks.map((chunk) => `data: ${toWireJson(chunk)}\n\n`).join(''));
  };
  // The first chunk waits for the first text, so that an unknown model or a spent key is a plain error reply.
  const begin = (): unknown[] => {
    const first = !started && shape.start ? [shape.start()] : [];
    started = true;
    return first;
  };
  const closeStream = deps.limits.openStream(request.ip);
  reply.raw.once('close', closeStream);
  try {
    const result = await run(deps, key, model, job, {
      signal: abortOf(reply),
      ...verificationOf(request),
      onText: (text) => send(...begin(), shape.text(text)),
    });
    send(...begin(), shape.end(result), ...(shape.includeUsage ? [shape.usage(result)] : []));
  } catch (error) {
    // Before the first byte the error is an ordinary reply; after it, an in-band error event.
    if (!open) throw error;
    send(openAiError(error).body);
  }
  reply.raw.end('data: [DONE]\n\n');
  return reply;
}
