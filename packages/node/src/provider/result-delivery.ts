import { manifestBytes, manifestCid } from '@idlegrid/protocol';
import { INLINE_RESULT_BYTES } from '../jobs/wire.js';
import { uploadArtifact } from './artifact-upload.js';
import type { JobOutput } from './job-runner.js';

/**
 * Makes a job's outputs (stdout, stderr, manifest) available to the coordinator. Small ones
 * travel inside the `job.result` message as blobs keyed by CID, which saves three HTTP round
 * trips per job; larger ones are uploaded first, the manifest last, so that everything it
 * names exists before it does. Returns the blobs to send along (empty after an upload).
 */
export async function stageOutput(
  apiUrl: string,
  output: JobOutput,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const manifest = manifestBytes(output.manifest);
  const parts: Array<[string, Uint8Array]> = [
    [output.manifest.stdoutCid, output.stdout],
    [output.manifest.stderrCid, output.stderr],
    [manifestCid(output.manifest), manifest],
  ];
  const total = parts.reduce((sum, [, bytes]) => sum + bytes.byteLength, 0);
  if (total <= INLINE_RESULT_BYTES) {
    return Object.fromEntries(parts.map(([cid, bytes]) => [cid, Buffer.from(bytes).toString('base64')]));
  }
  for (const [, bytes] of parts) await uploadArtifact(apiUrl, bytes, signal ? { signal } : {});
  return {};
}
