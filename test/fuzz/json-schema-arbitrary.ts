import fc from 'fast-check';
import { hostileValue } from './hostile-values.js';

/** A JSON Schema (draft 2020-12) as the OpenAPI document holds it. */
export type JsonSchema = { [keyword: string]: unknown };

/** Named schemas `$ref`s point to: the document's `components.schemas`. */
export type SchemaComponents = Record<string, JsonSchema>;

const LIST_CAP = 4;
const STRING_CAP = 48;

/**
 * Values valid for a schema, for the keywords the coordinator's document uses: `$ref`, `type`
 * (one or a list), `const`, `enum`, `anyOf`/`oneOf`, `properties`/`required`/`additionalProperties`,
 * `items`/`minItems`/`maxItems`, `pattern`/`minLength`/`maxLength`, `minimum`/`maximum`/
 * `exclusiveMinimum`/`exclusiveMaximum`. Lists and free strings are kept short.
 */
export function validValue(
  schema: JsonSchema,
  components: SchemaComponents,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) throw new Error(`unknown $ref ${schema.$ref}`);
    return validValue(target, components, depth);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s, components, depth)));
  if (Array.isArray(schema.type)) {
    return fc.oneof(
      ...(schema.type as string[]).map((type) => validValue({ ...schema, type }, components, depth)),
    );
  }
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
    case 'number':
      return numberOf(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.max(
        minLength,
        Math.min((schema.maxItems as number | undefined) ?? LIST_CAP, LIST_CAP),
      );
      const items = (schema.items as JsonSchema | undefined) ?? {};
      return fc.array(validValue(items, components, depth + 1), { minLength, maxLength });
    }
    case 'object':
      return objectOf(schema, components, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = (schema.maxLength as number | undefined) ?? Number.MAX_SAFE_INTEGER;
  if (typeof schema.pattern === 'string') {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((value) => value.length >= minLength && value.length <= maxLength);
  }
  if (schema.contentEncoding === 'base64') return fc.base64String({ maxLength: STRING_CAP });
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, STRING_CAP)) });
}

function numberOf(schema: JsonSchema): fc.Arbitrary<number> {
  const exclusiveMin = schema.exclusiveMinimum as number | undefined;
  const exclusiveMax = schema.exclusiveMaximum as number | undefined;
  const min = (schema.minimum as number | undefined) ?? exclusiveMin ?? -(2 ** 40);
  const max = (schema.maximum as number | undefined) ?? exclusiveMax ?? 2 ** 40;
  if (schema.type === 'integer') {
    const low = BigInt(Math.ceil(exclusiveMin !== undefined && min === exclusiveMin ? min + 1 : min));
    const high = BigInt(Math.floor(exclusiveMax !== undefined && max === exclusiveMax ? max - 1 : max));
    return fc.bigInt({ min: low, max: high }).map(Number);
  }
  return fc.double({
    min,
    max,
    minExcluded: exclusiveMin !== undefined && min === exclusiveMin,
    maxExcluded: exclusiveMax !== undefined && max === exclusiveMax,
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function objectOf(schema: JsonSchema, components: SchemaComponents, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (names.length === 0) {
    // a free-form map (`additionalProperties: {}`), kept small
    const values = depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 1 });
    return fc.dictionary(fc.string({ maxLength: 12 }), values, { maxKeys: LIST_CAP });
  }
  const required = (schema.required ?? []) as string[];
  return fc.record(
    Object.fromEntries(names.map((name) => [name, validValue(properties[name]!, components, depth + 1)])),
    { requiredKeys: required.filter((name) => names.includes(name)) },
  );
}

type Path = (string | number)[];

/** Every place in a JSON value, the value itself first. */
function pathsOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (out.length > 256) return out;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) pathsOf(item, [...path, index], out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out);
  }
  return out;
}

const REMOVE = Symbol('remove');

/** `value` with the thing at `path` replaced (or removed, for REMOVE). */
function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  const next = replaceAt(copy[head!], rest, replacement);
  if (next === undefined && rest.length === 0) {
    if (Array.isArray(copy)) (copy as unknown[]).splice(head as number, 1);
    else delete copy[head!];
  } else copy[head!] = next;
  return copy;
}

/**
 * Values that are valid but for one place: a field (or the whole value) replaced by a hostile
 * value of another type or size, or removed, or an unknown field added.
 */
export function mutatedValue(schema: JsonSchema, components: SchemaComponents): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      validValue(schema, components),
      fc.nat(),
      fc.oneof({ weight: 4, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant(REMOVE) }),
      fc.option(fc.tuple(fc.string({ maxLength: 12 }), hostileValue), { freq: 5 }),
    )
    .map(([valid, index, replacement, extra]) => {
      const paths = pathsOf(valid);
      let mutated = replaceAt(valid, paths[index % paths.length]!, replacement);
      if (extra && mutated !== null && typeof mutated === 'object' && !Array.isArray(mutated)) {
        mutated = { ...mutated, [extra[0]]: extra[1] };
      }
      return mutated;
    });
}
