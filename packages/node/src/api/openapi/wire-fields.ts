import { z } from 'zod';

/**
 * Fields as they travel in JSON (see protocol's signing/wire.ts: bigints as decimal strings),
 * precise enough to generate well-formed and malformed requests from the OpenAPI document.
 */
/** An EVM address: 0x and 40 hex digits, any case. */
export const addressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

/** A job id (a 32-byte value): 0x and 64 hex digits. */
export const jobIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

/** A sha-256 CIDv1 in base32, of raw bytes (artifacts) or of canonical JSON. */
export const cidSchema = z.string().regex(/^(bafkrei[a-z2-7]{51}[aeimquy4]|bagaaiera[a-z2-7]{51}[aq])$/);

/** A 65-byte secp256k1 signature over the EIP-712 digest. */
export const signatureSchema = z.string().regex(/^0x[0-9a-fA-F]{130}$/);

/** Decimal strings of at most 19 (uint64) or 77 (uint256) digits always fit their type. */
export const uint64Schema = z.string().regex(/^[0-9]{1,19}$/);
export const uint256Schema = z.string().regex(/^[0-9]{1,77}$/);
export const uint32Schema = z.int().min(0).max(0xffff_ffff);
export const shortStringSchema = z.string().max(256);
export const stringListSchema = z.array(shortStringSchema).max(64);
/** A token amount in base units, as a decimal string. */
export const amountSchema = z.string().regex(/^[0-9]{1,78}$/);
