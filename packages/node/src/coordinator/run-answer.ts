import {
  IdlegridError,
  manifestCid,
  type NetworkDomain,
  type ResultManifest,
  type SignedMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import type { Address } from 'viem';
import { jobResultSchema } from '../jobs/wire.js';
import type { ArtifactStore } from '../storage/artifact-store.js';

/** A run's answer as it arrived: the manifest it names and the reveal its provider signed. */
export interface RunAnswer {
  provider: Address;
  manifest: ResultManifest;
  resultCid: string;
  reveal: SignedMessage<'ResultReveal'>;
}

/**
 * Reads a `JobResult` body (a `job.result`, or the answer to a `job.reveal`): the reveal must be
 * signed by the peer that sent it and name the manifest's CID, and the manifest and the outputs
 * it names must all be stored (inline blobs are checked against their CIDs) before the answer
 * counts. Which job it may answer is the caller's to check.
 */
export async function readRunAnswer(
  deps: { domain: NetworkDomain; artifacts: ArtifactStore },
  from: Address,
  body: unknown,
): Promise<RunAnswer> {
  const parsed = jobResultSchema.safeParse(body);
  if (!parsed.success) throw new IdlegridError('RESULT_INVALID', 'malformed job result');
  const { reveal, manifest, blobs } = parsed.data;
  const verified = await verifySignedMessage(deps.domain, reveal, { kind: 'ResultReveal' });
  if (verified.signer !== from || manifest.jobId !== verified.message.jobId) {
    throw new IdlegridError(
      'RESULT_INVALID',
      `result for ${verified.message.jobId} is not signed by its sender`,
    );
  }
  const cid = manifestCid(manifest);
  if (verified.message.outputCid !== cid) {
    throw new IdlegridError('RESULT_INVALID', "the signed output CID is not the manifest's CID");
  }
  for (const [blobCid, base64] of Object.entries(blobs ?? {})) {
    await deps.artifacts.put(Buffer.from(base64, 'base64'), blobCid).catch((error: unknown) => {
      throw new IdlegridError('RESULT_INVALID', `inline result blob ${blobCid} is invalid`, { cause: error });
    });
  }
  for (const needed of [cid, manifest.stdoutCid, manifest.stderrCid]) {
    await deps.artifacts.info(needed).catch(() => {
      throw new IdlegridError('RESULT_INVALID', `result content ${needed} was neither sent nor uploaded`);
    });
  }
  return {
    provider: from,
    manifest,
    resultCid: cid,
    reveal: { kind: 'ResultReveal', message: verified.message, signature: verified.signature },
  };
}
