import { ERROR_CODES, type ErrorCode, IdlegridError, parseWireJson, toWireJson } from '@idlegrid/protocol';
import { z } from 'zod';

/** Default largest frame (one JSON message) a channel sends or accepts: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

const errorBody = z.object({
  code: z.string().max(64),
  message: z.string().max(4096),
  details: z.record(z.string(), z.unknown()).optional(),
});

const type = z.string().min(1).max(128);
const id = z.number().int().nonnegative();

/**
 * The frames of an idlegrid stream: one-way messages, requests and their responses
 * (correlated by `id`), and `err`, a stream-level error after which the sender closes.
 */
const frameSchema = z.union([
  z.object({ t: z.literal('msg'), type, body: z.unknown() }),
  z.object({ t: z.literal('req'), id, type, body: z.unknown() }),
  // before the success response: `body: unknown` would also match an error response
  z.object({ t: z.literal('res'), id, error: errorBody }),
  z.object({ t: z.literal('res'), id, body: z.unknown() }),
  z.object({ t: z.literal('err'), error: errorBody }),
]);

export type Frame = z.output<typeof frameSchema>;
export type ErrorBody = z.output<typeof errorBody>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Serializes a frame, refusing it with P2P_FRAME_TOO_LARGE when over `maxBytes`. */
export function encodeFrame(frame: Frame, maxBytes: number): Uint8Array {
  const bytes = encoder.encode(toWireJson(frame));
  if (bytes.byteLength > maxBytes) throw frameTooLarge(bytes.byteLength, maxBytes);
  return bytes;
}

export function decodeFrame(bytes: Uint8Array): Frame {
  let value: unknown;
  try {
    value = parseWireJson(decoder.decode(bytes));
  } catch (cause) {
    throw new IdlegridError('P2P_FRAME_INVALID', 'frame is not UTF-8 JSON', { cause });
  }
  const parsed = frameSchema.safeParse(value);
  if (!parsed.success) {
    throw new IdlegridError('P2P_FRAME_INVALID', 'frame does not match the idlegrid envelope', {
      details: { issues: parsed.error.issues.map((issue) => issue.message) },
    });
  }
  return parsed.data;
}

export function frameTooLarge(bytes: number, maxBytes: number): IdlegridError {
  return new IdlegridError(
    'P2P_FRAME_TOO_LARGE',
    `frame of ${bytes} bytes exceeds the limit of ${maxBytes}`,
    {
      details: { bytes, maxBytes },
    },
  );
}

/** What an error looks like on the wire: idlegrid errors keep their code, others are masked. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof IdlegridError) {
    return { code: error.code, message: error.message, details: error.details };
  }
  return { code: 'P2P_REMOTE_ERROR', message: 'the peer failed to handle the message' };
}

export function fromErrorBody(body: ErrorBody, peer: string): IdlegridError {
  const known = (ERROR_CODES as readonly string[]).includes(body.code);
  const code = (known ? body.code : 'P2P_REMOTE_ERROR') as ErrorCode;
  return new IdlegridError(code, body.message, {
    details: { ...body.details, peer, remote: true, ...(known ? {} : { remoteCode: body.code }) },
  });
}
