import type { z } from 'zod';

/** The optional parts of a coordinator a route needs (see ApiComponents); absent: always served. */
export type RouteRequirement = 'registry' | 'payments' | 'chain' | 'chainReads' | 'inference' | 'dashboard';

export type MediaType =
  | 'application/json'
  | 'application/octet-stream'
  | 'text/event-stream'
  | 'text/plain'
  | 'text/html'
  | 'text/javascript';

export interface ResponseContract {
  description: string;
  /** Each media type the answer may come as, with its schema (none: bytes or text). */
  content?: Partial<Record<MediaType, z.ZodType | null>>;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

/**
 * One route of the REST API: what the OpenAPI document says of it and what the server checks
 * of each request before its handler runs (params, query, media type, body size).
 */
export interface RouteContract {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify's form: `/v1/jobs/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  requires?: readonly RouteRequirement[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (other than content-type). */
  headers?: z.ZodObject;
  body?: {
    mediaType: 'application/json' | 'application/octet-stream';
    schema: z.ZodType;
    /** Largest body, bytes; `artifact`: the server's artifact limit (ApiOptions.bodyLimit). */
    limit: number | 'artifact';
    required: boolean;
  };
  /** Authorization: Bearer with an idlegrid API key (`sk-idg-…`). */
  apiKey?: boolean;
  /** Answers whatever the load and however often asked: no rate limit, no shedding (/healthz, /metrics). */
  unlimited?: boolean;
  /** Errors in OpenAI's shape (the OpenAI-compatible routes). */
  openAiErrors?: boolean;
  responses: Record<number, ResponseContract>;
  /** Statuses of the errors this route answers besides the generic ones. */
  errors: readonly number[];
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
