import { type SignedMessage, signMessage } from '@idlegrid/protocol';
import type { Hex } from 'viem';
import type { RequestOptions } from '../http/coordinator-client.js';
import { parseAnswer } from '../http/remote-error.js';
import { uploadArtifact } from './artifacts.js';
import type { JobsContext } from './context.js';
import { type Job, jobAnswerSchema } from './job.js';
import { buildWasmJobSpec, type JobRuntime, nowSeconds, type PlacementConstraints } from './job-spec.js';

export interface WasmJobRequest extends PlacementConstraints {
  /** `wasm` by default; for `onnx` and `llm` jobs, `module` is the model (shipped, or a CID providers hold). */
  runtime?: JobRuntime;
  /** The WASI module: its bytes (uploaded first) or the CID of an uploaded one. */
  module: Uint8Array | string;
  args?: readonly string[];
  /** Bytes for the module's stdin, or the CID of an uploaded artifact. */
  stdin?: Uint8Array | string;
  /** Most the client pays, in token base units. */
  maxPrice: bigint;
  deadlineSeconds: number;
  memoryMb: number;
  cpuCores: number;
  verification?: string;
  privacy?: '' | 'private';
  /** The job's id, when the caller needs it before submitting (to cancel it on Ctrl-C); random otherwise. */
  jobId?: Hex;
}

const cidOf = (ctx: JobsContext, value: Uint8Array | string, options: RequestOptions) =>
  typeof value === 'string' ? Promise.resolve(value) : uploadArtifact(ctx, value, options);

/** Uploads the module (and stdin), signs the JobSpec with the client's key and submits it. */
export async function submitWasmJob(
  ctx: JobsContext,
  request: WasmJobRequest,
  options: RequestOptions = {},
): Promise<Job> {
  const signed = await signWasmJob(ctx, request, options);
  return parseAnswer(
    jobAnswerSchema,
    await ctx.coordinator.postJson('/v1/jobs', signed, options),
    'POST /v1/jobs',
  ).job;
}

/** The JobSpec of a request, signed by the client, its module (and stdin) uploaded first when given as bytes. */
export async function signWasmJob(
  ctx: JobsContext,
  request: WasmJobRequest,
  options: RequestOptions = {},
): Promise<SignedMessage<'JobSpec'>> {
  const [moduleCid, stdinCid] = await Promise.all([
    cidOf(ctx, request.module, options),
    request.stdin === undefined ? undefined : cidOf(ctx, request.stdin, options),
  ]);
  const { module: _module, stdin: _stdin, ...fields } = request;
  const spec = buildWasmJobSpec({
    ...fields,
    client: ctx.signer.address,
    moduleCid,
    ...(stdinCid === undefined ? {} : { stdinCid }),
    nowSeconds: nowSeconds(),
  });
  return signMessage(ctx.signer, ctx.domain, 'JobSpec', spec);
}
