import type { IdlegridError, IdlegridErrorOptions } from '@idlegrid/protocol';
import type { z } from 'zod';
import type { ResourceLimits, RunResult } from './api.js';

type RequestInvalid = (message: string, options?: IdlegridErrorOptions) => IdlegridError;

/**
 * Model runtimes take their request as JSON, the job's first input (stdin): parsed here against
 * the runtime's schema, failing with its own `*_REQUEST_INVALID` code and the first issues found.
 */
export function parseJsonRequest<S extends z.ZodType>(
  runtime: string,
  schema: S,
  stdin: Uint8Array | undefined,
  requestInvalid: RequestInvalid,
): z.output<S> {
  if (!stdin || stdin.length === 0)
    throw requestInvalid(`an ${runtime} job needs its request as its first input`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(stdin));
  } catch (cause) {
    throw requestInvalid(`the ${runtime} request is not JSON`, { cause });
  }
  return checkedRequest(runtime, schema, json, requestInvalid);
}

/** Checks an already-parsed request against the schema (callers that skip the JSON step). */
export function checkedRequest<S extends z.ZodType>(
  runtime: string,
  schema: S,
  value: unknown,
  requestInvalid: RequestInvalid,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);
  throw requestInvalid(`the ${runtime} request is malformed: ${issues.join('; ')}`, { details: { issues } });
}

/**
 * A model runtime's answer as a run's result: its JSON on stdout. A cut JSON answer is of no use
 * to anyone, so an answer over the output limit is an error (`tooLarge`), never a truncated stdout.
 */
export function jsonRunResult(
  answer: unknown,
  limits: ResourceLimits,
  durationMs: number,
  tooLarge?: (bytes: number, outputBytes: number) => IdlegridError,
): RunResult {
  const stdout = new TextEncoder().encode(JSON.stringify(answer));
  if (tooLarge && stdout.length > limits.outputBytes) throw tooLarge(stdout.length, limits.outputBytes);
  return {
    exitCode: 0,
    stdout,
    stderr: new Uint8Array(0),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs,
    limits,
  };
}
