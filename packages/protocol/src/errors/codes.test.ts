import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1]);

describe('error codes', () => {
  it('documents every code in docs/errors.md', () => {
    expect(ERROR_CODES.filter((code) => !documented.includes(code))).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    expect(documented.filter((code) => !(ERROR_CODES as readonly string[]).includes(code!))).toEqual([]);
  });

  it('has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
