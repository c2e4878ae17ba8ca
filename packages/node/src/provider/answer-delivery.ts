import { randomBytes } from 'node:crypto';
import {
  type JobSpec,
  manifestCid,
  type NetworkDomain,
  resultCommitment,
  signMessage,
  type TypedDataSigner,
} from '@idlegrid/protocol';
import { bytesToHex } from 'viem';
import { JOB_MESSAGES } from '../jobs/wire.js';
import type { JobOutput } from './job-runner.js';
import { stageOutput } from './result-delivery.js';
import type { ResultOutbox } from './result-outbox.js';
import type { SealedResults } from './sealed-results.js';

export interface AnswerDeliveryDeps {
  signer: TypedDataSigner;
  domain: NetworkDomain;
  nextNonce: () => bigint;
  now: () => Date;
  outbox: ResultOutbox;
  sealed: SealedResults;
  /** A request about the job to its coordinator: the one that assigned it through the mesh, or the one joined now. */
  request: (jobId: string, type: string, body: unknown) => Promise<unknown>;
  /** The API of the job's coordinator, if any is joined: a restarted one may serve elsewhere. */
  apiUrl: (jobId: string) => string | undefined;
}

/**
 * Signs a run's answer (a ResultReveal naming the manifest's CID, with a secret salt) and
 * queues it in the outbox: sent as `job.result`, or, for a commit-reveal job, as a signed
 * commitment (`job.commit`) with the answer sealed until the coordinator asks for it.
 * Resolves once queued, with the delivery still under way.
 */
export async function queueAnswer(
  deps: AnswerDeliveryDeps,
  args: {
    jobId: string;
    spec: JobSpec;
    output: JobOutput;
    commitReveal: boolean;
    /** Where outputs are staged while no coordinator is joined: the one that assigned the job. */
    apiUrl: string;
  },
): Promise<{ delivered: Promise<void> }> {
  const { spec, output } = args;
  const provider = deps.signer.address;
  const outputCid = manifestCid(output.manifest);
  const salt = bytesToHex(randomBytes(32));
  const expiry = BigInt(Math.floor(deps.now().getTime() / 1000) + 3_600);
  const reveal = await signMessage(deps.signer, deps.domain, 'ResultReveal', {
    provider,
    jobId: spec.jobId,
    outputCid,
    salt,
    nonce: deps.nextNonce(),
    expiry,
  });
  let blobs: Record<string, string> | undefined;
  const result = async () => {
    blobs ??= await stageOutput(deps.apiUrl(args.jobId) ?? args.apiUrl, output);
    return { reveal, manifest: output.manifest, blobs };
  };
  const deadlineMs = Number(spec.deadline) * 1000;
  let send = async () => {
    await deps.request(args.jobId, JOB_MESSAGES.result, await result());
  };
  if (args.commitReveal) {
    const commit = await signMessage(deps.signer, deps.domain, 'ResultCommit', {
      provider,
      jobId: spec.jobId,
      commitment: resultCommitment({ jobId: spec.jobId, provider, outputCid, salt }),
      nonce: deps.nextNonce(),
      expiry,
    });
    deps.sealed.seal(args.jobId, deadlineMs, result);
    send = async () => {
      await deps.request(args.jobId, JOB_MESSAGES.commit, { commit });
    };
  }
  return {
    delivered: deps.outbox.deliver({ jobId: args.jobId, manifest: output.manifest, deadlineMs, send }),
  };
}
