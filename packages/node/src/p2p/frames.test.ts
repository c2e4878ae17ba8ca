import { isIdlegridError } from '@idlegrid/protocol';
import { LengthPrefixedDecoder } from '@libp2p/utils';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, fromErrorBody, toErrorBody } from './frames.js';
import { withLengthPrefix } from './peer-stream.js';

function codeOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return isIdlegridError(error) ? error.code : error;
  }
  return 'no error';
}

describe('frames', () => {
  it('round-trips with bigints as decimal strings', () => {
    const bytes = encodeFrame({ t: 'req', id: 3, type: 'quote', body: { price: 10n ** 30n } }, 1024);
    expect(decodeFrame(bytes)).toEqual({
      t: 'req',
      id: 3,
      type: 'quote',
      body: { price: `1${'0'.repeat(30)}` },
    });
  });

  it('tells error responses from successful ones', () => {
    const error = { code: 'JOB_NOT_FOUND', message: 'no such job' };
    expect(decodeFrame(encodeFrame({ t: 'res', id: 1, error }, 1024))).toEqual({ t: 'res', id: 1, error });
    expect(decodeFrame(encodeFrame({ t: 'res', id: 1, body: null }, 1024))).toEqual({
      t: 'res',
      id: 1,
      body: null,
    });
  });

  it('refuses frames over the limit and malformed frames with stable codes', () => {
    expect(codeOf(() => encodeFrame({ t: 'msg', type: 'x', body: 'y'.repeat(100) }, 64))).toBe(
      'P2P_FRAME_TOO_LARGE',
    );
    expect(codeOf(() => decodeFrame(new TextEncoder().encode('{"t":')))).toBe('P2P_FRAME_INVALID');
    expect(codeOf(() => decodeFrame(new TextEncoder().encode('{"t":"req","type":"x"}')))).toBe(
      'P2P_FRAME_INVALID',
    );
    expect(codeOf(() => decodeFrame(Uint8Array.of(0xff, 0xfe)))).toBe('P2P_FRAME_INVALID');
  });

  it('keeps idlegrid codes across the wire and masks other errors', () => {
    const known = fromErrorBody(toErrorBody(new Error('secret detail')), 'peer');
    expect([known.code, known.message.includes('secret')]).toEqual(['P2P_REMOTE_ERROR', false]);
    const unknown = fromErrorBody({ code: 'BOGUS', message: 'x' }, 'peer');
    expect([unknown.code, unknown.details.remoteCode]).toEqual(['P2P_REMOTE_ERROR', 'BOGUS']);
  });

  it('length-prefixes frames the way the libp2p decoder reads them', () => {
    const frames = [1, 127, 128, 300, 20_000].map((size) => new Uint8Array(size).fill(size % 251));
    const wire = Buffer.concat(frames.map(withLengthPrefix));
    const decoded = [...new LengthPrefixedDecoder({ maxDataLength: 100_000 }).decode(wire)];
    expect(decoded.map((frame) => new Uint8Array(frame.subarray()))).toEqual(frames);
  });
});
