import { IdlegridError } from '@idlegrid/protocol';
import type { JobRecord } from '../jobs/api.js';
import type { ArtifactStore } from '../storage/artifact-store.js';

/** Outputs up to this size come inline with a result; larger ones by their CID. */
const INLINE_OUTPUT_BYTES = 256 * 1024;

/**
 * An accepted job's result in one piece: the manifest's stored bytes and, when small, its
 * outputs (base64; null: download it by its CID). The client checks every part against its
 * CID, so nothing here needs trust. `/v1/jobs/:id/result` answers it; event streams opened
 * with `results=inline` carry it with each finished job.
 */
export interface ResultBundle {
  manifest: string;
  stdout: string | null;
  stderr: string | null;
}

export function hasResult(job: JobRecord): boolean {
  return job.resultCid !== null && (job.state === 'accepted' || job.state === 'settled');
}

export async function resultBundle(artifacts: ArtifactStore, job: JobRecord): Promise<ResultBundle> {
  if (!hasResult(job)) {
    throw new IdlegridError('JOB_RESULT_UNAVAILABLE', `job ${job.id} is ${job.state}: it has no result`, {
      details: { jobId: job.id, state: job.state },
    });
  }
  const manifestBytes = await artifacts.bytes(job.resultCid!);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as Record<string, unknown>;
  const inline = async (cid: unknown) => {
    if (typeof cid !== 'string') return null;
    const size = await artifacts.info(cid).then(
      (info) => info.size,
      () => Number.POSITIVE_INFINITY,
    );
    return size <= INLINE_OUTPUT_BYTES ? Buffer.from(await artifacts.bytes(cid)).toString('base64') : null;
  };
  const [stdout, stderr] = await Promise.all([inline(manifest.stdoutCid), inline(manifest.stderrCid)]);
  return { manifest: Buffer.from(manifestBytes).toString('base64'), stdout, stderr };
}
