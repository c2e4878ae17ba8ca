import { describe, expect, it } from 'vitest';
import { isIdlegridError } from '../errors/idlegrid-error.js';
import { canonicalJson } from './canonical-json.js';
import { cidOfBytes, cidOfJson, parseCid, verifyCid } from './cid.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('content addressing', () => {
  it('matches the well-known CIDv1 of the empty blob', () => {
    expect(cidOfBytes(new Uint8Array())).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
  });

  it('hashes equal JSON values equally, whatever the key order', () => {
    const a = { b: [1, { y: 2n, x: 'z' }], a: null, skipped: undefined };
    const b = { a: null, b: [1, { x: 'z', y: 2n }] };
    expect(canonicalJson(a)).toBe('{"a":null,"b":[1,{"x":"z","y":"2"}]}');
    expect(cidOfJson(a)).toBe(cidOfJson(b));
    expect(cidOfJson(a)).not.toBe(cidOfBytes(bytes(canonicalJson(a))));
  });

  it('refuses values without a canonical form', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });

  it('verifies content against its CID', () => {
    const cid = cidOfBytes(bytes('hello'));
    expect(() => verifyCid(cid, bytes('hello'))).not.toThrow();
    for (const [input, code] of [
      [() => verifyCid(cid, bytes('hellO')), 'CID_MISMATCH'],
      [() => parseCid('not-a-cid'), 'CID_INVALID'],
    ] as const) {
      try {
        input();
        expect.unreachable();
      } catch (error) {
        expect(isIdlegridError(error, code)).toBe(true);
      }
    }
  });
});
