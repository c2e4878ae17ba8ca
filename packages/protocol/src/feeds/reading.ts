import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { z } from 'zod';
import { IdlegridError } from '../errors/idlegrid-error.js';
import { messageDigest } from '../hashing/message-digest.js';
import { recoverDigestSigner, signDigest } from '../signing/secp256k1.js';

/**
 * A device's signed reading, in a form a microcontroller can write (docs/feeds.md): the reading as
 * a JSON text, and a secp256k1 signature of that exact text as an Ethereum signed message
 * (EIP-191: keccak-256 of "\x19Ethereum Signed Message:\n" + its length in bytes + the text). The
 * device never canonicalizes anything: the server checks the bytes it was sent.
 *
 *   { "payload": "{\"device\":\"0x…\",\"feed\":\"weather\",\"t\":1765000000000,\"cell\":\"u4pru\",
 *                  \"v\":{\"temperature\":21.5},\"seq\":42}",
 *     "sig": "0x…" }
 */
export interface SignedReading {
  payload: string;
  sig: Hex;
}

export const readingSchema = z.strictObject({
  device: z.string().refine((value) => isAddress(value, { strict: false }), 'an address'),
  feed: z.string().min(1).max(64),
  /** When it was measured, unix milliseconds. */
  t: z.number().int().nonnegative(),
  /** Where, as a location cell (the feed's precision; see docs/feeds.md). */
  cell: z.string().max(32),
  /** The values measured, by quantity. */
  v: z
    .record(z.string().max(32), z.number())
    .refine((values) => Object.keys(values).length <= 32, 'at most 32 values'),
  /** Counts up from 0 for each device: a reading whose seq is not above the last taken is a replay. */
  seq: z.number().int().nonnegative(),
});

export type Reading = Omit<z.output<typeof readingSchema>, 'device'> & { device: Address };

/** Most readings one signed batch carries. */
export const MAX_BATCH_READINGS = 5_000;

export const signedReadingSchema = z.strictObject({
  // One reading's JSON, or a batch's: up to MAX_BATCH_READINGS of them, about 200 bytes each.
  payload: z.string().max(1_048_576),
  sig: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
});

/**
 * Signs several readings of one device at once, as a device with a backlog does: the payload is a
 * JSON array of readings, and one signature covers them all (checking it once per batch is what
 * lets a coordinator take tens of thousands of readings a second).
 */
export function signReadingBatch(readings: readonly Reading[], deviceKey: Hex): SignedReading {
  const payload = JSON.stringify(readings);
  return { payload, sig: signDigest(messageDigest(payload), deviceKey) };
}

/**
 * The readings of a signed reading or batch, once the signature is the device's own (every
 * reading of a batch must name the same device): READING_INVALID otherwise.
 */
export function openReadings(input: unknown): Reading[] {
  const signed = signedReadingSchema.safeParse(input);
  if (!signed.success) throw invalid('a reading is { payload, sig }');
  if (!signed.data.payload.startsWith('[')) return [openReading(input)];
  let json: unknown;
  try {
    json = JSON.parse(signed.data.payload);
  } catch {
    throw invalid('the payload is not JSON');
  }
  if (!Array.isArray(json) || json.length === 0 || json.length > MAX_BATCH_READINGS)
    throw invalid(`a batch holds 1 to ${MAX_BATCH_READINGS} readings`);
  const readings = json.map((item, index) => {
    const parsed = readingSchema.safeParse(item);
    if (!parsed.success) throw invalid(`reading ${index}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  });
  const device = getAddress(readings[0]!.device);
  if (readings.some((r) => r.device.toLowerCase() !== device.toLowerCase()))
    throw invalid('every reading of a batch names the same device');
  let signer: Address;
  try {
    signer = recoverDigestSigner(messageDigest(signed.data.payload), signed.data.sig as Hex);
  } catch (cause) {
    throw invalid('the signature does not recover', cause);
  }
  if (signer !== device) throw invalid(`signed by ${signer}, not by the device ${device}`);
  return readings.map((reading) => ({ ...reading, device }));
}

/** Signs a reading with a device's key, as a device does. */
export function signReading(reading: Reading, deviceKey: Hex): SignedReading {
  const payload = JSON.stringify(reading);
  return { payload, sig: signDigest(messageDigest(payload), deviceKey) };
}

/** The reading in a signed one, once its signature is the device's own: READING_INVALID otherwise. */
export function openReading(input: unknown): Reading {
  const signed = signedReadingSchema.safeParse(input);
  if (!signed.success) throw invalid('a reading is { payload, sig }');
  if (signed.data.payload.length > 4_096) throw invalid('a single reading is at most 4,096 characters');
  let json: unknown;
  try {
    json = JSON.parse(signed.data.payload);
  } catch {
    throw invalid('the payload is not JSON');
  }
  const parsed = readingSchema.safeParse(json);
  if (!parsed.success) throw invalid(`the payload: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const device = getAddress(parsed.data.device);
  let signer: Address;
  try {
    signer = recoverDigestSigner(messageDigest(signed.data.payload), signed.data.sig as Hex);
  } catch (cause) {
    throw invalid('the signature does not recover', cause);
  }
  if (signer !== device) throw invalid(`signed by ${signer}, not by the device ${device}`);
  return { ...parsed.data, device };
}

function invalid(why: string, cause?: unknown): IdlegridError {
  return new IdlegridError('READING_INVALID', `reading refused: ${why}`, cause ? { cause } : {});
}
