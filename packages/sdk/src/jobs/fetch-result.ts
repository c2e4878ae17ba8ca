import {
  cidOfBytes,
  IdlegridError,
  parseWireJson,
  resultManifestSchema,
  verifyCid,
} from '@idlegrid/protocol';
import { z } from 'zod';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { downloadArtifact } from './artifacts.js';
import type { ReadContext } from './context.js';
import type { Job } from './job.js';

export interface JobResult {
  jobId: string;
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** The provider kept only the first part of a long output. */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  manifestCid: string;
  /** A private job's result: stdout and stderr are envelopes under `key`, wrapped to the client (see runPrivateJob). */
  sealed?: { outcome: string; key: string };
}

/**
 * `/v1/jobs/:id/result`, and the `result` of an event stream's `result` event: the manifest's
 * bytes and the outputs small enough to inline, base64 (null: download it by its CID).
 */
export const resultBundleSchema = z.object({
  manifest: z.base64(),
  stdout: z.base64().nullable(),
  stderr: z.base64().nullable(),
});

export type ResultBundle = z.output<typeof resultBundleSchema>;

/**
 * Downloads an accepted job's result in one request: the manifest, and stdout and stderr
 * inline when small (by CID otherwise). Each part is checked against its CID (CID_MISMATCH if
 * a byte differs), so a coordinator cannot alter them.
 */
export async function fetchResult(
  ctx: ReadContext,
  job: Job,
  options: RequestOptions = {},
): Promise<JobResult> {
  requireResultCid(job);
  const bundle = parseAnswer(
    resultBundleSchema,
    await ctx.coordinator.getJson(`/v1/jobs/${encodeURIComponent(job.id)}/result`, options),
    `result of job ${job.id}`,
  );
  return readResultBundle(ctx, job, bundle, options);
}

/**
 * Checks a result bundle against the job's result CID and the CIDs its manifest names (outputs
 * not inlined are downloaded, and checked there): CID_MISMATCH if a byte differs.
 */
export async function readResultBundle(
  ctx: ReadContext,
  job: Job,
  bundle: ResultBundle,
  options: RequestOptions = {},
): Promise<JobResult> {
  const resultCid = requireResultCid(job);
  const manifestBytes = fromBase64(bundle.manifest);
  verifyCid(resultCid, manifestBytes);
  const manifest = parseAnswer(
    resultManifestSchema,
    parseWireJson(new TextDecoder().decode(manifestBytes)),
    `result manifest of job ${job.id}`,
  );
  if (manifest.jobId.toLowerCase() !== job.id.toLowerCase()) {
    throw new IdlegridError(
      'COORDINATOR_BAD_RESPONSE',
      `result of job ${job.id} is the manifest of ${manifest.jobId}`,
      {
        details: { jobId: job.id, manifestJobId: manifest.jobId },
      },
    );
  }
  const [stdout, stderr] = await Promise.all([
    outputBytes(ctx, manifest.stdoutCid, bundle.stdout, options),
    outputBytes(ctx, manifest.stderrCid, bundle.stderr, options),
  ]);
  return {
    jobId: job.id,
    exitCode: manifest.exitCode,
    stdout,
    stderr,
    stdoutTruncated: manifest.stdoutTruncated,
    stderrTruncated: manifest.stderrTruncated,
    durationMs: manifest.durationMs,
    manifestCid: resultCid,
    ...(manifest.sealed ? { sealed: manifest.sealed } : {}),
  };
}

/** The CID of the job's result manifest, or JOB_RESULT_UNAVAILABLE for a job without a result. */
export function requireResultCid(job: Job): string {
  if ((job.state !== 'accepted' && job.state !== 'settled') || job.resultCid === null) {
    throw new IdlegridError('JOB_RESULT_UNAVAILABLE', `job ${job.id} is ${job.state}: it has no result`, {
      details: { jobId: job.id, state: job.state, ...(job.error ? { error: job.error } : {}) },
    });
  }
  return job.resultCid;
}

/** The CID of no bytes: an empty output needs no download (most jobs leave stderr empty). */
const EMPTY_CID = cidOfBytes(new Uint8Array(0));

/** An output: inline (checked against its CID here), empty, or downloaded by CID (checked there). */
async function outputBytes(
  ctx: ReadContext,
  cid: string,
  inline: string | null,
  options: RequestOptions,
): Promise<Uint8Array> {
  if (cid === EMPTY_CID) return new Uint8Array(0);
  if (inline === null) return downloadArtifact(ctx, cid, options);
  const bytes = fromBase64(inline);
  verifyCid(cid, bytes);
  return bytes;
}

/** Base64 to bytes in Node and in browsers alike. */
function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
