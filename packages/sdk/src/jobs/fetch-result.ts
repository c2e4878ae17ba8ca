import { cidOfBytes, IdlegridError, parseWireJson, resultManifestSchema } from '@idlegrid/protocol';
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
}

/**
 * Downloads an accepted job's result: the manifest, then stdout and stderr, each checked
 * against its CID (CID_MISMATCH if a byte differs), so a coordinator cannot alter them.
 */
export async function fetchResult(
  ctx: ReadContext,
  job: Job,
  options: RequestOptions = {},
): Promise<JobResult> {
  if ((job.state !== 'accepted' && job.state !== 'settled') || job.resultCid === null) {
    throw new IdlegridError('JOB_RESULT_UNAVAILABLE', `job ${job.id} is ${job.state}: it has no result`, {
      details: { jobId: job.id, state: job.state, ...(job.error ? { error: job.error } : {}) },
    });
  }
  const manifestBytes = await downloadArtifact(ctx, job.resultCid, options);
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
    outputBytes(ctx, manifest.stdoutCid, options),
    outputBytes(ctx, manifest.stderrCid, options),
  ]);
  return {
    jobId: job.id,
    exitCode: manifest.exitCode,
    stdout,
    stderr,
    stdoutTruncated: manifest.stdoutTruncated,
    stderrTruncated: manifest.stderrTruncated,
    durationMs: manifest.durationMs,
    manifestCid: job.resultCid,
  };
}

/** The CID of no bytes: an empty output needs no download (most jobs leave stderr empty). */
const EMPTY_CID = cidOfBytes(new Uint8Array(0));

function outputBytes(ctx: ReadContext, cid: string, options: RequestOptions): Promise<Uint8Array> {
  return cid === EMPTY_CID ? Promise.resolve(new Uint8Array(0)) : downloadArtifact(ctx, cid, options);
}
