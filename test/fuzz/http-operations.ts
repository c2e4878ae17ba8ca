import fc from 'fast-check';
import { badPercentEncoding, hostileString, hostileValue, percentEncode } from './hostile-values.js';
import { type JsonSchema, mutatedValue, type SchemaComponents, validValue } from './json-schema-arbitrary.js';
import type { RawRequest } from './raw-http.js';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the OpenAPI document, as the fuzzer needs it. */
export interface Operation {
  method: string;
  /** OpenAPI's form: `/v1/jobs/{id}`. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  body?: { mediaType: string; schema: JsonSchema; limit: number | null };
  apiKey: boolean;
  /** Errors in OpenAI's shape. */
  openAi: boolean;
  /** Statuses the document lists for it (besides `default`). */
  statuses: Set<number>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: SchemaComponents };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const requestBody = operation.requestBody as
        | { content: Record<string, { schema: JsonSchema }> }
        | undefined;
      const [mediaType, content] = Object.entries(requestBody?.content ?? {})[0] ?? [];
      const responses = operation.responses as Record<
        string,
        { content?: Record<string, { schema: JsonSchema }> }
      >;
      const errorRef = responses.default?.content?.['application/json']?.schema.$ref;
      return {
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId as string,
        parameters: (operation.parameters ?? []) as Parameter[],
        ...(mediaType && content
          ? {
              body: {
                mediaType,
                schema: content.schema,
                limit: (operation['x-idlegrid-body-limit'] as number | null | undefined) ?? null,
              },
            }
          : {}),
        apiKey: Array.isArray(operation.security),
        openAi: errorRef === '#/components/schemas/OpenAiError',
        statuses: new Set(
          Object.keys(responses)
            .filter((key) => key !== 'default')
            .map(Number),
        ),
      };
    }),
  );
}

/** What a generated request was: well-formed (every part valid) or not, and why. */
export interface FuzzRequest extends RawRequest {
  operation: Operation;
  wellFormed: boolean;
  /** The path is not the route's (a mangled parameter may send it elsewhere). */
  pathMangled: boolean;
}

export interface RequestContext {
  components: SchemaComponents;
  /** A valid API key, for operations that need one. */
  apiKey?: string;
}

/** A value of a parameter, valid (mostly) or hostile, as the text it travels as. */
function parameterValue(parameter: Parameter, components: SchemaComponents) {
  const valid = validValue(parameter.schema, components).map((value) => ({
    text: String(value),
    valid: true,
  }));
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 1, arbitrary: hostileString.map((text) => ({ text, valid: false })) },
  );
}

const pathSegment = (parameter: Parameter, components: SchemaComponents) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: parameterValue(parameter, components).map((v) => ({ ...v, text: percentEncode(v.text) })),
    },
    { weight: 1, arbitrary: badPercentEncoding.map((text) => ({ text, valid: false, mangled: true })) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 101, max: 20_000 }).map((n) => ({ text: 'a'.repeat(n), valid: false })),
    },
  );

/** A body: valid for the schema (mostly), or mutated, or not JSON at all, in a fitting media type or not. */
function bodyOf(operation: Operation, components: SchemaComponents) {
  const body = operation.body;
  if (!body) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constant({
          bytes: Buffer.from('{"unexpected":true}'),
          type: 'application/json',
          valid: false,
        }),
      },
    );
  }
  if (body.mediaType === 'application/octet-stream') {
    return fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .uint8Array({ minLength: 1, maxLength: 512 })
          .map((b) => ({ bytes: Buffer.from(b), type: body.mediaType, valid: true })),
      },
      { weight: 1, arbitrary: fc.constant({ bytes: Buffer.alloc(0), type: body.mediaType, valid: false }) },
      {
        weight: 1,
        arbitrary: fc
          .uint8Array({ maxLength: 64 })
          .map((b) => ({ bytes: Buffer.from(b), type: 'application/json', valid: false })),
      },
    );
  }
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
  const valid = validValue(body.schema, components);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: valid.map((value) => ({ bytes: json(value), type: body.mediaType, valid: true })),
    },
    {
      weight: 4,
      arbitrary: mutatedValue(body.schema, components).map((value) => ({
        bytes: json(value),
        type: body.mediaType,
        valid: false,
      })),
    },
    {
      weight: 1,
      arbitrary: hostileValue.map((value) => ({ bytes: json(value), type: body.mediaType, valid: false })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(valid, fc.nat()).map(([value, cut]) => {
        const whole = json(value);
        return {
          bytes: whole.subarray(0, cut % Math.max(1, whole.length)),
          type: body.mediaType,
          valid: false,
        };
      }),
    },
    {
      weight: 1,
      arbitrary: valid.map((value) => ({
        bytes: Buffer.concat([
          json(value).subarray(0, -1),
          Buffer.from([0xff, 0xc3, 0x28]),
          Buffer.from('}'),
        ]),
        type: body.mediaType,
        valid: false,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '[[[[[[[[[[',
          `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
          '\uFEFF{}',
          'null',
          '"',
          '{"a":1,"a":2}',
          '1e99999',
        )
        .map((text) => ({ bytes: Buffer.from(text), type: body.mediaType, valid: false })),
    },
    {
      weight: 1,
      arbitrary: valid.map((value) => ({
        bytes: Buffer.from(JSON.stringify(value) ?? '', 'utf16le'),
        type: 'application/json; charset=utf-16',
        valid: false,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, wrongContentType)
        .map(([value, type]) => ({ bytes: json(value), type, valid: false })),
    },
    { weight: 1, arbitrary: fc.constant({ bytes: Buffer.alloc(0), type: body.mediaType, valid: false }) },
  );
}

const wrongContentType = fc.constantFrom(
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset="iso-8859-1"',
  'application/json;;;charset',
  'application/jsonx',
  'application/',
  '*/*',
  ';',
  'application/octet-stream',
  '',
  'a'.repeat(5000),
);

/** A request to the operation: its path, query, headers and body each well-formed or not. */
export function requestOf(operation: Operation, context: RequestContext): fc.Arbitrary<FuzzRequest> {
  const { components } = context;
  const byPlace = (where: Parameter['in']) => operation.parameters.filter((p) => p.in === where);
  const path = fc.tuple(...byPlace('path').map((p) => pathSegment(p, components)));
  const query = fc.tuple(
    ...byPlace('query').map((p) =>
      fc.option(
        parameterValue(p, components).map((v) => ({ ...v, name: p.name })),
        { freq: 2 },
      ),
    ),
  );
  const queryTail = fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '&x=1',
        '&&&',
        '&=',
        '&limit[]=1',
        '&states=a&states=b',
        '&%zz=1',
        '&a=%E0%A4%A',
        '#frag',
      ),
    },
  );
  const headers = fc.tuple(
    ...byPlace('header').map((p) =>
      fc.option(
        parameterValue(p, components).map((v) => ({ ...v, name: p.name })),
        { freq: 2 },
      ),
    ),
  );
  const auth = operation.apiKey
    ? fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constant(context.apiKey === undefined ? undefined : `Bearer ${context.apiKey}`),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            undefined,
            'Bearer ',
            'Bearer sk-idg-00',
            'Basic Zm9vOmJhcg==',
            `Bearer sk-idg-${'f'.repeat(104)}`,
            `Bearer ${'x'.repeat(8000)}`,
          ),
        },
      )
    : fc.constant(undefined);
  return fc
    .record({ path, query, queryTail, headers, auth, body: bodyOf(operation, components) })
    .map(
      ({
        path: segments,
        query: queryValues,
        queryTail: tail,
        headers: headerValues,
        auth: authorization,
        body,
      }) => {
        let index = 0;
        const target = operation.path.replace(/\{\w+\}/g, () => segments[index++]!.text);
        const queryParts = queryValues
          .filter((v): v is NonNullable<typeof v> => v !== null)
          .map((v) => `${v.name}=${percentEncode(v.text)}`);
        const search = queryParts.length > 0 || tail !== '' ? `?${queryParts.join('&')}${tail}` : '';
        const sent: [string, string | Buffer][] = [];
        for (const header of headerValues) {
          if (header) sent.push([header.name, Buffer.from(header.text.replace(/[\r\n]/g, ''), 'utf8')]);
        }
        if (authorization !== undefined) sent.push(['authorization', authorization]);
        if (body) sent.push(['content-type', body.type]);
        const wellFormed =
          segments.every((s) => s.valid) &&
          queryValues.every((v) => v === null || v.valid) &&
          headerValues.every((v) => v === null || v.valid) &&
          tail === '' &&
          (body === undefined ? !operation.body : body.valid);
        const summary = `${operation.method} ${target}${search}`.slice(0, 300);
        return {
          [fc.toStringMethod]: () =>
            `${summary} (${body?.type ?? 'no body'}, ${body?.bytes.length ?? 0} bytes)`,
          operation,
          method: operation.method,
          target: `${target}${search}`,
          headers: sent,
          ...(body ? { body: body.bytes } : {}),
          wellFormed,
          pathMangled: segments.some((s) => 'mangled' in s || !s.valid),
        };
      },
    );
}
