import { IdlegridError } from '@idlegrid/protocol';
import type { FastifyInstance, FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import type { z } from 'zod';
import type { RouteErrorConfig } from '../fastify-errors.js';
import { checkMediaType, hasBody } from '../media-type.js';
import type { RouteContract } from './route-contract.js';
import { contractOf } from './route-contracts.js';

/** Parses a request part with its contract's schema, or fails with INVALID_ARGUMENT naming the field. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'path' | 'query',
): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0]!;
  throw new IdlegridError('INVALID_ARGUMENT', `${where} parameter ${first.path}: ${first.message}`, {
    details: { in: where, param: first.path, issues },
  });
}

/** What the server checks of a request before its body is read: its params, query and media type. */
function requestCheck(contract: RouteContract): preParsingAsyncHookHandler {
  return async (request: FastifyRequest, _reply, payload) => {
    if (contract.params) request.params = parseInput(contract.params, request.params, 'path');
    if (contract.query) request.query = parseInput(contract.query, request.query, 'query');
    if (contract.body && hasBody(request))
      checkMediaType(request.headers['content-type'], contract.body.mediaType);
    return payload;
  };
}

/**
 * Holds every route registered after it to its contract (route-contracts.ts): its body limit,
 * and the checks of requestCheck. A route with no contract is left alone; the drift test
 * (openapi-document.test.ts) finds it.
 */
export function enforceContracts(app: FastifyInstance, options: { artifactBodyLimit: number }): void {
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    const contract = contractOf(method, route.url);
    if (!contract) return;
    if (contract.body?.limit === 'artifact') {
      route.bodyLimit = options.artifactBodyLimit;
      route.config = { ...route.config, bodyTooLarge: 'ARTIFACT_TOO_LARGE' } satisfies RouteErrorConfig;
    } else if (contract.body) route.bodyLimit = contract.body.limit;
    const existing = route.preParsing === undefined ? [] : [route.preParsing].flat();
    route.preParsing = [requestCheck(contract), ...existing];
  });
}
