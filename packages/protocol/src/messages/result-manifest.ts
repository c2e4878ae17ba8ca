import { z } from 'zod';
import { canonicalJson } from '../hashing/canonical-json.js';
import { cidOfBytes } from '../hashing/cid.js';

/**
 * What a run produced, as the provider uploads it: canonical JSON whose CID (raw blob,
 * like every artifact) is the `outputCid` of its signed ResultReveal and the job's
 * `resultCid`. Shared by providers, coordinators and clients.
 */
export const resultManifestSchema = z.object({
  jobId: z.string(),
  exitCode: z.number().int(),
  stdoutCid: z.string(),
  stderrCid: z.string(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** Set when the run could not happen (exitCode -1): the runtime's error code, e.g. WASM_INVALID_MODULE. */
  errorCode: z.string().max(64).optional(),
  /** Model tokens processed (prompt plus completion) by a runtime billed per token (llm). */
  tokens: z.number().int().nonnegative().optional(),
  /**
   * A private job's run (see privacy/private-jobs.ts): stdout and stderr are envelopes under one
   * fresh key, `key`, wrapped to the client; `outcome` is the salted hash of the plain outcome,
   * what runs of the job are compared on.
   */
  sealed: z
    .strictObject({
      outcome: z.string().regex(/^0x[0-9a-f]{64}$/),
      key: z
        .string()
        .regex(/^0x[0-9a-f]+$/)
        .max(512),
    })
    .optional(),
});

export type ResultManifest = z.output<typeof resultManifestSchema>;

/** The manifest's bytes as uploaded: its canonical JSON. */
export function manifestBytes(manifest: ResultManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}

export function manifestCid(manifest: ResultManifest): string {
  return cidOfBytes(manifestBytes(manifest));
}
