import fc from 'fast-check';

/** Strings that break naive code: lone surrogates, NUL, bidi marks, BOM, huge ones, path tricks. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '\uD800',
    '\uDFFF',
    'a\uDC00b',
    '\u0000',
    'a\u0000b',
    '\u202Eevil\u202C',
    '\u200F\u200E\u061C',
    '\uFEFF',
    '\uFFFF\uFFFE',
    '\r\n\r\n',
    '../../../etc/passwd',
    '%00',
    '%zz',
    '__proto__',
    'constructor',
    '0x',
    `0x${'g'.repeat(64)}`,
    `0x${'0'.repeat(65)}`,
    '-1',
    '1e309',
    'NaN',
    ' 1',
    '9'.repeat(400),
    '👩‍👩‍👧‍👦'.repeat(50),
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'A'.repeat(n)),
);

/** Numbers at the edges: negative, fractional, beyond 2^53, beyond float range (as JSON, null). */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, -0, 0.5, 2 ** 31, 2 ** 32, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.MAX_VALUE, 5e-324),
  fc.double(),
  fc.integer(),
);

/** Any JSON-ish value of the wrong kind: strings, numbers, nulls, arrays, objects, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.constantFrom(null, true, false, [], {}, [null], JSON.parse('{"__proto__":{"polluted":true}}')),
  fc.integer({ min: 100, max: 1_000 }).map((depth) => nested(depth)),
  fc.jsonValue({ maxDepth: 3 }),
);

function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Percent-encodes every byte of the string's UTF-8 (a lone surrogate becomes U+FFFD's bytes). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

/** Path segments or query values that are not valid percent-encoded UTF-8, or are just strange. */
export const badPercentEncoding: fc.Arbitrary<string> = fc.constantFrom(
  '%',
  '%2',
  '%zz',
  '%C3%28',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%C0%AF',
  '%FF%FE',
  '%00',
  '%2e%2e%2f%2e%2e%2f',
  '%25%32%65',
  '..%2F..%2F',
  `${'%41'.repeat(20_000)}`,
);
