import { IdlegridError, type MessageInput } from '@idlegrid/protocol';
import { type Address, bytesToHex, type Hex, hexToBigInt } from 'viem';

/** How long a signed request stays valid: long enough to reach the coordinator, short against replay. */
export const REQUEST_LIFETIME_SECONDS = 300n;

/** The runtimes a job can name (see the node's runtimes/api.ts). */
export type JobRuntime = 'wasm' | 'llm' | 'onnx' | 'tfjs' | 'fasttext';

/** Where a job may run; every field is optional and absent means "any". */
export interface PlacementConstraints {
  /** Only providers in this region. */
  region?: string;
  /** Only providers whose measured round trip to the coordinator is at most this, ms. */
  maxRttMs?: number;
  /** Only providers with a GPU: `any`, or a class named in the GPU model, like `h100`. */
  gpu?: string;
  /** Least GPU memory, MiB. */
  vramMb?: number;
  /** The job's size: the longest it may run, seconds (also its wall-time limit). */
  maxSeconds?: number;
  /** Lowest provider reputation, 0..1. */
  minReputation?: number;
}

export interface WasmJobFields extends PlacementConstraints {
  client: Address;
  /** `wasm` by default; `llm` and `onnx` jobs name a model as their module. */
  runtime?: JobRuntime;
  moduleCid: string;
  /** Artifact fed to the module's stdin: becomes `inputCids[0]`. */
  stdinCid?: string;
  args?: readonly string[];
  /** Most the client pays, in token base units. */
  maxPrice: bigint;
  /** Seconds from now by which the job must be done. */
  deadlineSeconds: number;
  memoryMb: number;
  cpuCores: number;
  /** Verification policy (`none`, `sample(p)`, `replicate(k)`...); empty leaves it to the coordinator. */
  verification?: string;
  /** `private`: only the client and each leased provider read the job's inputs and outputs (see runPrivateJob). */
  privacy?: '' | 'private';
  nowSeconds: bigint;
  jobId?: Hex;
  nonce?: bigint;
}

const positiveInteger = (value: number, name: string) => {
  if (!Number.isInteger(value) || value < 1) {
    throw new IdlegridError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
  }
};

export function randomJobId(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * A random uint64. A coordinator takes each (client, nonce) for one job only (another job with
 * a used nonce is MESSAGE_REPLAYED); random nonces need not be sequential, nor coordinated.
 */
export function randomNonce(): bigint {
  return hexToBigInt(bytesToHex(crypto.getRandomValues(new Uint8Array(8))));
}

/** The JobSpec of a job (a WASI module by default), ready to sign. Fields a job does not use are '' or 0. */
export function buildWasmJobSpec(fields: WasmJobFields): MessageInput<'JobSpec'> {
  positiveInteger(fields.deadlineSeconds, 'deadlineSeconds');
  positiveInteger(fields.memoryMb, 'memoryMb');
  positiveInteger(fields.cpuCores, 'cpuCores');
  if (fields.maxPrice < 0n) throw new IdlegridError('INVALID_ARGUMENT', 'maxPrice must not be negative');
  const placement = placementFields(fields);
  return {
    client: fields.client,
    jobId: fields.jobId ?? randomJobId(),
    runtime: fields.runtime ?? 'wasm',
    moduleCid: fields.moduleCid,
    inputCids: fields.stdinCid === undefined ? [] : [fields.stdinCid],
    args: [...(fields.args ?? [])],
    cpuCores: fields.cpuCores,
    memoryMb: fields.memoryMb,
    vramMb: placement.vramMb,
    gpuClass: placement.gpuClass,
    maxPrice: fields.maxPrice,
    deadline: fields.nowSeconds + BigInt(fields.deadlineSeconds),
    region: placement.region,
    maxRttMs: placement.maxRttMs,
    maxSeconds: placement.maxSeconds,
    minReputation: placement.minReputation,
    verification: fields.verification ?? '',
    privacy: fields.privacy ?? '',
    nonce: fields.nonce ?? randomNonce(),
    expiry: fields.nowSeconds + REQUEST_LIFETIME_SECONDS,
  };
}

/** The JobSpec's placement fields; 0 and '' mean "any" (maxSeconds 0: the network's default). */
export function placementFields(constraints: PlacementConstraints) {
  const whole = (value: number | undefined, name: string) => {
    if (value === undefined) return 0;
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
      throw new IdlegridError('INVALID_ARGUMENT', `${name} must be a whole number >= 0, got ${value}`);
    }
    return value;
  };
  const reputation = constraints.minReputation ?? 0;
  if (!(reputation >= 0 && reputation <= 1)) {
    throw new IdlegridError('INVALID_ARGUMENT', `minReputation must be between 0 and 1, got ${reputation}`);
  }
  return {
    region: constraints.region ?? '',
    maxRttMs: whole(constraints.maxRttMs, 'maxRttMs'),
    gpuClass: (constraints.gpu ?? '').toLowerCase(),
    vramMb: whole(constraints.vramMb, 'vramMb'),
    maxSeconds: whole(constraints.maxSeconds, 'maxSeconds'),
    minReputation: Math.round(reputation * 1000),
  };
}

export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
