import { z } from 'zod';
import type { SseEvent } from '../http/sse.js';
import { type ResultBundle, resultBundleSchema } from './fetch-result.js';
import { type Job, jobSchema } from './job.js';

/** A job from an event stream, and its result bundle when the stream brought one inline. */
export interface StreamedJob {
  job: Job;
  bundle?: ResultBundle;
}

const resultEventSchema = z.object({ job: jobSchema, result: resultBundleSchema });

/**
 * Reads a coordinator event: `job` (the job's record) or `result` (a finished job with its
 * result, from a stream opened with `results=inline`). Undefined for any other or malformed event.
 */
export function streamedJobOf(event: SseEvent): StreamedJob | undefined {
  const data = safeJson(event.data);
  if (event.event === 'result') {
    const parsed = resultEventSchema.safeParse(data);
    return parsed.success ? { job: parsed.data.job, bundle: parsed.data.result } : undefined;
  }
  if (event.event === 'job') {
    const parsed = jobSchema.safeParse(data);
    return parsed.success ? { job: parsed.data } : undefined;
  }
  return undefined;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
