import { ERROR_CODES } from '@idlegrid/protocol';
import fc from 'fast-check';
import { hostileString, hostileValue } from './hostile-values.js';

/** An unsigned varint, as `it-length-prefixed` writes lengths (any size, even beyond 2^53). */
export function varint(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Uint8Array.from(bytes);
}

export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  const prefix = varint(BigInt(payload.byteLength));
  const out = new Uint8Array(prefix.byteLength + payload.byteLength);
  out.set(prefix, 0);
  out.set(payload, prefix.byteLength);
  return out;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const frame = (value: unknown) => lengthPrefixed(utf8(JSON.stringify(value) ?? 'null'));

/** The message types of the jobs protocol (jobs/wire.ts), and some it does not have. */
const MESSAGE_TYPES = [
  'provider.hello',
  'provider.offer',
  'provider.heartbeat',
  'job.assign',
  'job.cancel',
  'job.progress',
  'job.result',
  'job.commit',
  'job.reveal',
  'job.payment',
  'peer.ping',
];
const messageType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MESSAGE_TYPES) },
  { weight: 1, arbitrary: hostileString },
);
const frameId = fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5, 2 ** 53, 1e300), hostileString);
const jobId = fc.oneof(fc.stringMatching(/^0x[0-9a-f]{64}$/), hostileString);
const signedish = fc.record({
  kind: fc.oneof(fc.constantFrom('Offer', 'Heartbeat', 'JobResult', 'JobCommit', 'Voucher'), hostileString),
  message: fc.oneof(fc.dictionary(fc.string({ maxLength: 16 }), hostileValue, { maxKeys: 6 }), hostileValue),
  signature: fc.oneof(fc.stringMatching(/^0x[0-9a-f]{130}$/), hostileString),
});
/** Bodies shaped like the protocol's (signed messages, job ids), wrong in their details. */
const body = fc.oneof(
  hostileValue,
  fc.record({ offer: signedish, agent: hostileString, activeJobs: fc.array(jobId, { maxLength: 4 }) }),
  fc.record({ heartbeat: signedish }),
  fc.record({ offer: signedish }),
  fc.record({ jobId, result: signedish, manifestCid: hostileString }),
  fc.record({ jobId, commit: signedish }),
  fc.record({ jobId, text: hostileString, seq: fc.integer() }),
);

/** What a hostile peer writes on a jobs stream: bytes that may or may not be frames. */
export const hostileBytes: fc.Arbitrary<{ what: string; bytes: Uint8Array }> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ what: 'garbage', bytes })),
  fc
    .oneof(
      fc.bigInt({ min: 1n << 20n, max: 1n << 62n }),
      fc.constantFrom(2n ** 64n - 1n, 2n ** 70n, 2n ** 32n, (1n << 20n) + 1n),
    )
    .map((length) => ({
      what: `oversize prefix ${length}`,
      bytes: Uint8Array.from([...varint(length), 1, 2, 3]),
    })),
  fc.constant({ what: 'overlong varint', bytes: Uint8Array.from([...Array(12).fill(0xff), 0x01]) }),
  fc
    .uint8Array({ maxLength: 512 })
    .map((bytes) => ({ what: 'framed garbage', bytes: lengthPrefixed(bytes) })),
  hostileValue.map((value) => ({ what: 'framed JSON, no envelope', bytes: frame(value) })),
  fc
    .record({ t: fc.constantFrom('msg', 'req'), id: frameId, type: messageType, body })
    .map((value) => ({ what: `${value.t} ${String(value.type).slice(0, 40)}`, bytes: frame(value) })),
  fc
    .record({
      t: fc.constantFrom('res', 'err'),
      id: frameId,
      body,
      error: fc.record({ code: hostileString, message: hostileString }),
    })
    .map((value) => ({ what: value.t, bytes: frame(value) })),
  fc
    .array(fc.record({ t: fc.constant('req'), id: fc.nat(), type: messageType, body }), {
      minLength: 2,
      maxLength: 40,
    })
    .map((frames) => ({ what: `${frames.length} frames at once`, bytes: concat(frames.map(frame)) })),
  fc
    .tuple(fc.record({ t: fc.constant('req'), id: fc.nat(), type: messageType, body }), fc.nat())
    .map(([value, cut]) => {
      const bytes = frame(value);
      return { what: 'truncated frame', bytes: bytes.subarray(0, cut % bytes.byteLength) };
    }),
  fc.constant({
    what: 'invalid UTF-8 frame',
    bytes: lengthPrefixed(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])),
  }),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => ({
    what: `nested ${depth}`,
    bytes: lengthPrefixed(
      utf8(`{"t":"msg","type":"job.progress","body":${'['.repeat(depth)}${']'.repeat(depth)}}`),
    ),
  })),
);

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Frames read back from the coordinator (length-prefixed JSON); undecodable bytes are reported. */
export function decodeFrames(bytes: Uint8Array): unknown[] {
  const frames: unknown[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      if (offset >= bytes.byteLength) return frames; // a partial prefix: the stream was cut
      byte = bytes[offset++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (offset + length > bytes.byteLength) return frames;
    frames.push(JSON.parse(new TextDecoder().decode(bytes.subarray(offset, offset + length))));
    offset += length;
  }
  return frames;
}

/** Why a frame the coordinator sent is not one of the protocol's, or undefined. */
export function frameProblem(frame: unknown): string | undefined {
  const value = frame as { t?: string; error?: { code?: string } };
  if (!['msg', 'req', 'res', 'err'].includes(value?.t ?? '')) return `not a frame: ${JSON.stringify(frame)}`;
  if (value.error !== undefined && !(ERROR_CODES as readonly string[]).includes(value.error.code ?? '')) {
    return `an undocumented error code: ${JSON.stringify(frame).slice(0, 300)}`;
  }
  return undefined;
}
