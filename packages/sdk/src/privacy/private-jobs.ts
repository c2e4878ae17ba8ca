import {
  IdlegridError,
  type JobSpec,
  PRIVATE_JOB,
  signMessage,
  verifySignedMessage,
} from '@idlegrid/protocol';
import { isRescoreJob } from '@idlegrid/protocol/llm';
import {
  addressOfPublicKey,
  decryptArtifact,
  jobSalt,
  type LeaseSecrets,
  privateOutcome,
  publicKeyOf,
  sealLeaseSecrets,
  unwrapKey,
} from '@idlegrid/protocol/privacy';
import { getAddress, type Hex, hexToBytes, toHex } from 'viem';
import type { RequestOptions } from '../http/coordinator-client.js';
import { uploadArtifact } from '../jobs/artifacts.js';
import type { JobResult } from '../jobs/fetch-result.js';
import type { Job } from '../jobs/job.js';
import { nowSeconds, REQUEST_LIFETIME_SECONDS, randomNonce } from '../jobs/job-spec.js';
import type { LeaseKeyRequest } from '../jobs/job-stream.js';
import { signWasmJob, type WasmJobRequest } from '../jobs/submit-job.js';
import { submitAndWaitForResult, type WaitOptions } from '../jobs/wait-for-job.js';
import { artifactKeyOf, type OwnerContext, sealBytes } from './owned-artifacts.js';

/**
 * Runs a job privately (`privacy: private`): neither the coordinator nor anyone but the
 * providers leased to run it can read its stdin or its outputs. It runs a WASM module, or an
 * `llm` model (stdin: the request as JSON, see `privateChat`).
 * - stdin is sealed here (given as bytes) or is an artifact the client sealed before (a CID);
 *   the module or model itself is not secret.
 * - Each lease the coordinator announces (first run, replicas, audits) gets the job's secrets
 *   sealed to that provider's key, once its key is checked to be the provider's.
 * - An llm answer's check by re-scoring gets the keys of the request and of the answer, once its
 *   announced spec is checked to be such a check (checkOfAnswer): it outputs a verdict alone.
 * - The result is opened here with `privateKey`, and checked against the salted outcome the
 *   coordinator verified (RESULT_INVALID if they differ): `result.stdout` is the plaintext.
 * The coordinator still chooses the providers: restrict them (`minReputation`, `region`) as for
 * any job.
 */
export async function runPrivateJob(
  ctx: OwnerContext,
  request: WasmJobRequest,
  privateKey: Hex,
  options: WaitOptions = {},
): Promise<{ job: Job; result?: JobResult }> {
  const requestOptions: RequestOptions = options.signal ? { signal: options.signal } : {};
  const keys: Record<string, Hex> = {};
  let stdin: string | undefined;
  if (request.stdin instanceof Uint8Array) {
    const sealed = await sealBytes(ctx, request.stdin, requestOptions);
    keys[sealed.cid] = toHex(sealed.key);
    stdin = sealed.cid;
  } else if (request.stdin !== undefined) {
    const wrapped = await artifactKeyOf(ctx, request.stdin, requestOptions);
    if (!wrapped)
      throw new IdlegridError(
        'PRIVACY_UNSUPPORTED',
        `stdin ${request.stdin} is stored in the clear: seal it first`,
      );
    keys[request.stdin] = toHex(unwrapKey(wrapped, privateKey));
    stdin = request.stdin;
  }
  const module =
    typeof request.module === 'string'
      ? request.module
      : await uploadArtifact(ctx, request.module, requestOptions);
  const signed = await signWasmJob(
    ctx,
    { ...request, module, ...(stdin === undefined ? {} : { stdin }), privacy: 'private' },
    requestOptions,
  );
  const jobId = signed.message.jobId;
  const secrets: LeaseSecrets = {
    salt: jobSalt(privateKey, jobId),
    replyKey: toHex(publicKeyOf(privateKey)),
    keys,
  };
  const onKeyRequest = (lease: LeaseKeyRequest) => {
    if (lease.jobId.toLowerCase() !== jobId.toLowerCase()) return;
    // A lease whose keys do not get through fails on its provider, and the job with it.
    const given = lease.check
      ? checkSecrets(ctx, signed.message, lease.check, secrets, privateKey).then(({ checkId, checked }) =>
          giveLeaseKeys(ctx, { job: jobId, lease: checkId }, lease, checked, requestOptions),
        )
      : giveLeaseKeys(ctx, { job: jobId, lease: jobId }, lease, secrets, requestOptions);
    given.catch(() => {});
  };
  const outcome = await submitAndWaitForResult(
    ctx,
    jobId,
    (query, signal) => ctx.coordinator.postStream(`/v1/jobs?${query}`, signed, { signal }),
    { ...options, onKeyRequest },
  );
  if (!outcome.result) return outcome;
  return { job: outcome.job, result: await openPrivateResult(outcome.result, privateKey, secrets.salt) };
}

/**
 * The secrets of a check of the job's answer: the request's key and the answer's (unwrapped here),
 * the verdict sealed to the check's key. Refused (NOT_AUTHORIZED) unless the announced spec is a
 * re-scoring of this job's answer, signed by that key: any other job would read the plaintext.
 */
async function checkSecrets(
  ctx: OwnerContext,
  job: JobSpec,
  check: NonNullable<LeaseKeyRequest['check']>,
  secrets: LeaseSecrets,
  privateKey: Hex,
): Promise<{ checkId: Hex; checked: LeaseSecrets }> {
  const { message } = await verifySignedMessage(ctx.domain, check.spec, { kind: 'JobSpec' });
  const [request, answer] = message.inputCids;
  const replyKey = hexToBytes(check.replyKey as Hex);
  const isCheck =
    message.jobId.toLowerCase() === check.jobId.toLowerCase() &&
    message.client === addressOfPublicKey(replyKey) &&
    message.privacy === PRIVATE_JOB &&
    message.runtime === 'llm' &&
    isRescoreJob(message.args) &&
    message.moduleCid === job.moduleCid &&
    message.inputCids.length === 2 &&
    request === job.inputCids[0];
  const requestKey = request === undefined ? undefined : secrets.keys[request];
  if (!isCheck || request === undefined || answer === undefined || !requestKey) {
    throw new IdlegridError(
      'NOT_AUTHORIZED',
      `the check announced for job ${job.jobId} is no re-scoring of its answer`,
    );
  }
  const answerKey = unwrapKey(check.answerKey as Hex, privateKey);
  try {
    return {
      checkId: message.jobId,
      checked: {
        salt: toHex(crypto.getRandomValues(new Uint8Array(32))),
        replyKey: check.replyKey as Hex,
        keys: { [request]: requestKey, [answer]: toHex(answerKey) },
      },
    };
  } finally {
    answerKey.fill(0);
  }
}

/** Seals secrets to one leased provider, for the lease's job, and hands them to the coordinator to relay for `ids.job`. */
async function giveLeaseKeys(
  ctx: OwnerContext,
  ids: { job: Hex; lease: Hex },
  lease: LeaseKeyRequest,
  secrets: LeaseSecrets,
  options: RequestOptions,
): Promise<void> {
  const jobId = ids.lease;
  const providerKey = hexToBytes(lease.providerKey as Hex);
  const provider = getAddress(lease.provider);
  // The coordinator names the provider and its key: the key must be that provider's own.
  if (addressOfPublicKey(providerKey) !== provider) {
    throw new IdlegridError('KEY_UNWRAP_FAILED', `the key announced for ${provider} is not its key`);
  }
  const keys = await signMessage(ctx.signer, ctx.domain, 'LeaseKeys', {
    client: ctx.signer.address,
    jobId,
    provider,
    secrets: sealLeaseSecrets(secrets, providerKey, { jobId, provider }),
    nonce: randomNonce(),
    expiry: nowSeconds() + REQUEST_LIFETIME_SECONDS,
  });
  await ctx.coordinator.postJson(`/v1/jobs/${ids.job}/keys`, keys, options);
}

/**
 * A private job's result opened with the client's key: the plaintext outputs, checked against the
 * salted outcome its runs were compared on. RESULT_INVALID for a result that is not sealed, or
 * whose plaintext is not what the runs agreed on.
 */
export async function openPrivateResult(result: JobResult, privateKey: Hex, salt: Hex): Promise<JobResult> {
  if (!result.sealed)
    throw new IdlegridError('RESULT_INVALID', `the result of private job ${result.jobId} is not sealed`);
  const key = unwrapKey(result.sealed.key as Hex, privateKey);
  try {
    const [stdout, stderr] = await Promise.all([
      decryptArtifact(key, result.stdout),
      decryptArtifact(key, result.stderr),
    ]);
    const outcome = privateOutcome(salt, {
      exitCode: result.exitCode,
      stdoutSha256: toHex(stdout.sha256),
      stdoutTruncated: result.stdoutTruncated,
      errorCode: '',
    });
    if (outcome !== result.sealed.outcome) {
      throw new IdlegridError(
        'RESULT_INVALID',
        `the output of private job ${result.jobId} is not the outcome its runs agreed on`,
      );
    }
    return { ...result, stdout: stdout.plaintext, stderr: stderr.plaintext };
  } finally {
    key.fill(0);
  }
}
