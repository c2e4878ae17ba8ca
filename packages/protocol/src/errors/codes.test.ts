import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './codes.js';
import { httpStatusOf } from './http-status.js';

const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)];
const documented = rows.map((match) => match[1]);

describe('error codes', () => {
  it('documents every code in docs/errors.md', () => {
    expect(ERROR_CODES.filter((code) => !documented.includes(code))).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    expect(documented.filter((code) => !(ERROR_CODES as readonly string[]).includes(code!))).toEqual([]);
  });

  it('maps each code to the HTTP status its documentation gives', () => {
    const mismatched = rows
      .filter(([, code, status]) => httpStatusOf(code!) !== Number(status))
      .map(([, code, status]) => `${code}: doc ${status}, code ${httpStatusOf(code!)}`);
    expect(mismatched).toEqual([]);
  });

  it('has no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
