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

const jobIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const publicKeySchema = z.string().regex(/^0x0[23][0-9a-fA-F]{64}$/);

const keyRequestSchema = z.object({
  jobId: jobIdSchema,
  client: z.string(),
  provider: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  /** The provider's compressed public key, 0x hex: what the job's secrets are sealed to. */
  providerKey: publicKeySchema,
  /** Present when the lease checks the job's llm answer by re-scoring (see runPrivateJob). */
  check: z
    .object({
      /** The check's own job id. */
      jobId: jobIdSchema,
      /** Its JobSpec, signed by the coordinator's one-off key for it. */
      spec: z.unknown(),
      /** That key's compressed public key: the verdict is sealed to it. */
      replyKey: publicKeySchema,
      /** The checked answer's key, wrapped to the client. */
      answerKey: z.string(),
    })
    .optional(),
});

/** A private job's lease waiting for its client's keys (a `keys` event; see runPrivateJob). */
export type LeaseKeyRequest = z.output<typeof keyRequestSchema>;

/** Reads a `keys` event; undefined for any other or malformed event. */
export function keyRequestOf(event: SseEvent): LeaseKeyRequest | undefined {
  if (event.event !== 'keys') return undefined;
  const parsed = keyRequestSchema.safeParse(safeJson(event.data));
  return parsed.success ? parsed.data : undefined;
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
