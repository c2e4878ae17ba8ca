import { getAddress, isAddress } from 'viem';
import { z } from 'zod';

/** A checksummed EVM address; accepts any case on input. */
export const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), 'must be a 0x-prefixed 20-byte address')
  .transform((value) => getAddress(value));

export const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits')
  .transform((value) => value.toLowerCase() as `0x${string}`);

/** An unsigned integer of `bits` bits, as a bigint; accepts bigint, safe integer or decimal string. */
export function uintBig(bits: 64 | 256) {
  const max = (1n << BigInt(bits)) - 1n;
  return z
    .union([
      z.bigint(),
      z.number().int().nonnegative(),
      z.string().regex(/^\d{1,78}$/, 'must be a decimal integer'),
    ])
    .transform((value) => BigInt(value))
    .refine((value) => value >= 0n && value <= max, `must fit in uint${bits}`);
}

export const uint32 = z.number().int().nonnegative().max(0xffff_ffff);

/** Bounded strings keep signed messages small; the bound is generous for real use. */
export const shortString = z.string().max(256);
export const stringList = z.array(shortString).max(64);
