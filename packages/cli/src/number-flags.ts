import { IdlegridError } from '@idlegrid/protocol/light';

/** A flag's value as a number above 0 (a whole one unless `integer` is false), or INVALID_ARGUMENT naming the flag. */
export function positive(text: string, flag: string, integer = true): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value)))
    throw new IdlegridError(
      'INVALID_ARGUMENT',
      `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`,
    );
  return value;
}
