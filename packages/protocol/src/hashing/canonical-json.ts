import { IdlegridError } from '../errors/idlegrid-error.js';

/**
 * Canonical JSON: object keys sorted, no whitespace, bigints as decimal strings. Two
 * equal values always give the same bytes, so their content hashes agree.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notCanonical(path, 'non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((item, index) => write(item, `${path}[${index}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${write(field, `${path}.${key}`)}`).join(',')}}`;
  }
  throw notCanonical(path, typeof value);
}

function notCanonical(path: string, what: string): IdlegridError {
  return new IdlegridError('INVALID_ARGUMENT', `cannot hash ${what} at ${path}`, { details: { path } });
}
