import { z } from 'zod';
import {
  addressSchema,
  jobIdSchema,
  shortStringSchema,
  signatureSchema,
  stringListSchema,
  uint32Schema,
  uint64Schema,
  uint256Schema,
} from './wire-fields.js';

/** The wire form of protocol's messages (schemas.ts); a test keeps their fields the same. */
const replayFields = { nonce: uint64Schema, expiry: uint64Schema };

export const jobSpecWireSchema = z.strictObject({
  client: addressSchema,
  jobId: jobIdSchema,
  runtime: shortStringSchema,
  moduleCid: shortStringSchema,
  inputCids: stringListSchema,
  args: stringListSchema,
  cpuCores: uint32Schema,
  memoryMb: uint32Schema,
  vramMb: uint32Schema,
  gpuClass: shortStringSchema,
  maxPrice: uint256Schema,
  deadline: uint64Schema,
  region: shortStringSchema,
  maxRttMs: uint32Schema,
  maxSeconds: uint32Schema,
  minReputation: uint32Schema.max(1000),
  verification: shortStringSchema,
  privacy: shortStringSchema,
  ...replayFields,
});

export const jobCancelWireSchema = z.strictObject({
  client: addressSchema,
  jobId: jobIdSchema,
  ...replayFields,
});

export const leaseKeysWireSchema = z.strictObject({
  client: addressSchema,
  jobId: jobIdSchema,
  provider: addressSchema,
  secrets: z.string().regex(/^0x(?:[0-9a-fA-F]{2}){1,16384}$/),
  ...replayFields,
});

export const voucherWireSchema = z.strictObject({
  client: addressSchema,
  provider: addressSchema,
  cumulativeAmount: uint256Schema,
  ...replayFields,
});

/** A message signed with EIP-712 by its author (or a session key it authorized). */
export function signed<K extends string>(kind: K, message: z.ZodType) {
  return z.strictObject({ kind: z.literal(kind), message, signature: signatureSchema });
}

export const signedJobSpecSchema = signed('JobSpec', jobSpecWireSchema);
export const signedJobCancelSchema = signed('JobCancel', jobCancelWireSchema);
export const signedVoucherSchema = signed('Voucher', voucherWireSchema);
export const signedLeaseKeysSchema = signed('LeaseKeys', leaseKeysWireSchema);
