import { IdlegridError } from '../errors/idlegrid-error.js';

/** JSON with bigints written as decimal strings: the wire form of every message. */
export function toWireJson(value: unknown): string {
  return JSON.stringify(value, (_key, field) => (typeof field === 'bigint' ? field.toString() : field));
}

export function parseWireJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IdlegridError('MESSAGE_INVALID', 'message is not valid JSON', { cause });
  }
}
