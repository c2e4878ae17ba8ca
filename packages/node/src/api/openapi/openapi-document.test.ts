import {
  ERROR_CODES,
  jobCancelSchema,
  jobSpecSchema,
  leaseKeysSchema,
  signMessage,
  voucherSchema,
} from '@idlegrid/protocol';
import { sampleMessages } from '@idlegrid/protocol/testing';
import type { RouteOptions } from 'fastify';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EquippedApi, equippedApi, testDomain } from '../testing.js';
import { openApiDocument, openApiPath } from './openapi-document.js';
import {
  jobCancelWireSchema,
  jobSpecWireSchema,
  leaseKeysWireSchema,
  signedJobSpecSchema,
  voucherWireSchema,
} from './wire-messages.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks a JSON document of any shape
type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

let api: EquippedApi;
const registered = new Set<string>();
beforeAll(async () => {
  api = await equippedApi({
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        // Fastify answers HEAD for every GET by itself: not an operation of its own.
        if (method !== 'HEAD') registered.add(`${method.toLowerCase()} ${openApiPath(route.url)}`);
      }
    },
  });
  await api.app.ready();
});
afterAll(() => api.close());

const document = openApiDocument() as Json;
const operations = Object.entries(document.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ path, method, operation: operation as Json })),
);

describe('the OpenAPI document', () => {
  it('lists exactly the routes a fully-equipped server registers', () => {
    expect(registered.size).toBeGreaterThan(20);
    const documented = new Set(operations.map(({ method, path }) => `${method} ${path}`));
    expect(
      [...registered].filter((route) => !documented.has(route)),
      'registered, not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((route) => !registered.has(route)),
      'documented, not registered',
    ).toEqual([]);
  });

  it('is served at /v1/openapi.json', async () => {
    const answer = await api.app.inject({ url: '/v1/openapi.json' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual(openApiDocument({ artifactBodyLimit: 256 * 2 ** 20 }));
  });

  it('is a well-formed OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(new Set(operations.map(({ operation }) => operation.operationId)).size).toBe(operations.length);
    for (const { path, method, operation } of operations) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(operation.responses);
      expect(
        statuses.some((status) => /^2\d\d$/.test(status)),
        where,
      ).toBe(true);
      expect(statuses, where).toContain('default');
      const declared = (operation.parameters as Json[]).filter((p) => p.in === 'path').map((p) => p.name);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(declared.sort(), where).toEqual(templated.sort());
      for (const parameter of operation.parameters as Json[])
        expect(parameter.schema, where).toBeTypeOf('object');
    }
    const refs: string[] = [];
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, field] of Object.entries(value)) {
          if (key === '$ref') refs.push(field as string);
          else walk(field);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(10);
    const unresolved = refs.filter((ref) => {
      if (!ref.startsWith('#/')) return true;
      let node: unknown = document;
      for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part];
      return node === undefined;
    });
    expect(unresolved).toEqual([]);
  });

  it('describes the one error shape with every documented code', () => {
    const error = document.components.schemas.Error;
    expect(error.properties.error.required.sort()).toEqual(['code', 'details', 'message']);
    expect(error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    for (const { operation } of operations) {
      const ref = operation.responses.default.content['application/json'].schema.$ref;
      expect(['#/components/schemas/Error', '#/components/schemas/OpenAiError']).toContain(ref);
    }
    const sse = operations.filter(({ operation }) =>
      Object.values(operation.responses as Json).some((response) => response.content?.['text/event-stream']),
    );
    expect(sse.map(({ path }) => path).sort()).toEqual(
      ['/v1/chat/completions', '/v1/completions', '/v1/events', '/v1/jobs'].sort(),
    );
  });

  it('shows query numbers as bounded integers and ids with their patterns', () => {
    const list = operations.find(({ operation }) => operation.operationId === 'listJobs')!.operation;
    const limit = (list.parameters as Json[]).find((p) => p.name === 'limit')!;
    expect(limit.schema).toEqual({ type: 'integer', minimum: 1, maximum: 500 });
    const schemas = document.components.schemas;
    expect(new RegExp(schemas.Address.pattern).test(`0x${'aB'.repeat(20)}`)).toBe(true);
    expect(new RegExp(schemas.JobId.pattern).test(`0x${'ab'.repeat(31)}`)).toBe(false);
    expect(
      new RegExp(schemas.Cid.pattern).test('bafkreidogqfzz75tpkmjzjke425xqcrmpcib2p5tg44hnbirumdbpl5adu'),
    ).toBe(true);
  });
});

describe('the wire schemas', () => {
  it('have the fields of the protocol messages they describe', () => {
    for (const [wire, protocol] of [
      [jobSpecWireSchema, jobSpecSchema],
      [jobCancelWireSchema, jobCancelSchema],
      [voucherWireSchema, voucherSchema],
      [leaseKeysWireSchema, leaseKeysSchema],
    ] as const) {
      expect(Object.keys(wire.shape).sort()).toEqual(Object.keys(protocol.shape).sort());
    }
  });

  it('accept a signed JobSpec in wire form, and refuse it altered', async () => {
    const client = privateKeyToAccount(generatePrivateKey());
    const sample = sampleMessages(client.address, 2_000_000_000n).JobSpec;
    const signed = await signMessage(client, testDomain, 'JobSpec', sample);
    const wire = JSON.parse(JSON.stringify(signed, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    expect(signedJobSpecSchema.safeParse(wire).error).toBeUndefined();
    expect(
      signedJobSpecSchema.safeParse({ ...wire, message: { ...wire.message, nonce: '0x1' } }).success,
    ).toBe(false);
    expect(
      signedJobSpecSchema.safeParse({ ...wire, message: { ...wire.message, client: '0x12' } }).success,
    ).toBe(false);
  });
});
