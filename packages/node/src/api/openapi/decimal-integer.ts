import { z } from 'zod';

/** Decimal-integer schemas and their range, which the OpenAPI document shows as an integer. */
const ranges = new WeakMap<z.ZodType, { minimum: number; maximum: number }>();

/**
 * A query number: plain decimal digits (no sign, hex, exponent, fraction or spaces) whose value
 * lies in [min, max]. The one parser of every numeric query parameter.
 */
export function decimalInteger(min: number, max: number) {
  const schema = z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.int().min(min).max(max));
  ranges.set(schema, { minimum: min, maximum: max });
  return schema;
}

/** The JSON Schema of a decimal-integer schema (an integer in its range), or undefined for others. */
export function decimalIntegerJsonSchema(schema: unknown): Record<string, unknown> | undefined {
  const range = ranges.get(schema as z.ZodType);
  return range && { type: 'integer', ...range };
}
