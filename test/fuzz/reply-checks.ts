import { ERROR_CODES, httpStatusOf } from '@idlegrid/protocol';
import type { RawResponse } from './raw-http.js';

export type ErrorShape = 'idlegrid' | 'openai';

/**
 * Why an answer breaks the API's promises, or undefined when it keeps them: no 5xx, and every
 * error as `{ error: { code, message, details } }` (OpenAI's shape adds `type` and `param`)
 * with a code of ERROR_CODES answered with that code's status. An answer to HEAD has no body
 * (RFC 9110 §9.3.2), so only its status and content type can be checked.
 */
export function replyProblem(response: RawResponse, shape: ErrorShape, method = 'GET'): string | undefined {
  const text = response.body.toString('utf8').slice(0, 500);
  if (response.status >= 500) return `status ${response.status}: ${text}`;
  if (response.status < 400) return undefined;
  if (!response.headers['content-type']?.startsWith('application/json')) {
    return `error ${response.status} with content-type ${response.headers['content-type']}: ${text}`;
  }
  if (method === 'HEAD') return response.body.length === 0 ? undefined : `HEAD answered with a body: ${text}`;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return `error ${response.status} is not JSON: ${text}`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (error === null || typeof error !== 'object')
    return `error ${response.status} without an error object: ${text}`;
  const { code, message, details } = error;
  if (typeof code !== 'string' || !(ERROR_CODES as readonly string[]).includes(code)) {
    return `error ${response.status} with an undocumented code: ${text}`;
  }
  if (typeof message !== 'string') return `error ${code} without a message: ${text}`;
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    return `error ${code} without details: ${text}`;
  }
  if (httpStatusOf(code as never) !== response.status) {
    return `error ${code} answered with ${response.status}, documented as ${httpStatusOf(code as never)}`;
  }
  // The HTTP parser refuses some requests before any route is chosen: those are in our shape.
  const beforeRouting =
    code === 'HEADERS_TOO_LARGE' || String((details as { reason?: unknown }).reason ?? '').startsWith('HPE_');
  if (shape === 'openai' && !beforeRouting) {
    if (typeof error.type !== 'string') return `OpenAI error ${code} without a type: ${text}`;
    if (error.param !== null && typeof error.param !== 'string')
      return `OpenAI error ${code} with a bad param: ${text}`;
  }
  return undefined;
}
