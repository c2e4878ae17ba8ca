import { IdlegridError, type MessageInput } from '@idlegrid/protocol';
import { type Address, bytesToHex, type Hex, hexToBigInt } from 'viem';

/** How long a signed request stays valid: long enough to reach the coordinator, short against replay. */
export const REQUEST_LIFETIME_SECONDS = 300n;

export interface WasmJobFields {
  client: Address;
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
  region?: string;
  /** Verification policy (`none`, `sample(p)`, `replicate(k)`...); empty leaves it to the coordinator. */
  verification?: string;
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

/** A random uint64: the coordinator keys replays by id, so nonces need not be sequential. */
export function randomNonce(): bigint {
  return hexToBigInt(bytesToHex(crypto.getRandomValues(new Uint8Array(8))));
}

/** The JobSpec of a WASI job, ready to sign. Fields a wasm job does not use are '' or 0. */
export function buildWasmJobSpec(fields: WasmJobFields): MessageInput<'JobSpec'> {
  positiveInteger(fields.deadlineSeconds, 'deadlineSeconds');
  positiveInteger(fields.memoryMb, 'memoryMb');
  positiveInteger(fields.cpuCores, 'cpuCores');
  if (fields.maxPrice < 0n) throw new IdlegridError('INVALID_ARGUMENT', 'maxPrice must not be negative');
  return {
    client: fields.client,
    jobId: fields.jobId ?? randomJobId(),
    runtime: 'wasm',
    moduleCid: fields.moduleCid,
    inputCids: fields.stdinCid === undefined ? [] : [fields.stdinCid],
    args: [...(fields.args ?? [])],
    cpuCores: fields.cpuCores,
    memoryMb: fields.memoryMb,
    vramMb: 0,
    gpuClass: '',
    maxPrice: fields.maxPrice,
    deadline: fields.nowSeconds + BigInt(fields.deadlineSeconds),
    region: fields.region ?? '',
    verification: fields.verification ?? '',
    privacy: '',
    nonce: fields.nonce ?? randomNonce(),
    expiry: fields.nowSeconds + REQUEST_LIFETIME_SECONDS,
  };
}

export function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}
