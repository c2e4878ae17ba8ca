import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { cidOfBytes, ERROR_CODES, httpStatusOf } from '@idlegrid/protocol';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EquippedApi, equippedApi } from './testing.js';

let api: EquippedApi;
beforeAll(async () => {
  api = await equippedApi({ bodyLimit: 4096 });
});
afterAll(() => api.close());

/** The one error shape: exactly `{ error: { code, message, details } }`, a documented code at its status. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.headers['content-type']).toContain('application/json');
  const body = response.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(ERROR_CODES).toContain(body.error.code);
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.details).toBe('object');
  expect([response.statusCode, body.error.code]).toEqual([status, code]);
  expect(httpStatusOf(code)).toBe(status);
  return body.error as { code: string; message: string; details: Record<string, unknown> };
}

const cid = cidOfBytes(Buffer.from('never uploaded'));
const json = { 'content-type': 'application/json' };

describe('API errors', () => {
  it('answers a URL that is not percent-encoded UTF-8 in our shape', async () => {
    for (const url of ['/v1/jobs/%ZZ', '/v1/jobs/%C0%AF', '/v1/artifacts/%FF', '/v1/providers/%E2%82']) {
      expectError(await api.app.inject({ url }), 400, 'INVALID_ARGUMENT');
    }
  });

  it('answers over-long path parameters with URI_TOO_LONG', async () => {
    const long = 'a'.repeat(101);
    for (const url of [`/v1/jobs/0x${long}`, `/v1/artifacts/b${long}`, `/v1/providers/0x${long}`]) {
      const error = expectError(await api.app.inject({ url }), 414, 'URI_TOO_LONG');
      expect(error.message).not.toContain(long);
    }
  });

  it('refuses malformed path parameters before any lookup, and finds well-formed unknown ones missing', async () => {
    expectError(await api.app.inject({ url: '/v1/jobs/0x12' }), 400, 'INVALID_ARGUMENT');
    expectError(await api.app.inject({ url: '/v1/artifacts/not-a-cid' }), 400, 'INVALID_ARGUMENT');
    expectError(await api.app.inject({ url: '/v1/providers/0x12' }), 400, 'INVALID_ARGUMENT');
    expectError(await api.app.inject({ url: `/v1/jobs/0x${'ab'.repeat(32)}` }), 404, 'JOB_NOT_FOUND');
    expectError(await api.app.inject({ url: `/v1/artifacts/${cid}` }), 404, 'ARTIFACT_NOT_FOUND');
    expectError(
      await api.app.inject({ url: `/v1/providers/0x${'ab'.repeat(20)}` }),
      404,
      'PROVIDER_NOT_FOUND',
    );
    expectError(await api.app.inject({ url: '/v1/nowhere' }), 404, 'ROUTE_NOT_FOUND');
  });

  it('never puts a server path in a dashboard error', async () => {
    for (const url of ['/assets/nope.js', '/']) {
      const answer = await api.app.inject({ url });
      expect(answer.body).not.toContain(api.dataDir);
      expect(answer.body).not.toMatch(/\/tmp|\/home|\\\\/);
    }
    expectError(await api.app.inject({ url: '/assets/nope.js' }), 404, 'ROUTE_NOT_FOUND');
    expectError(await api.app.inject({ url: '/' }), 503, 'DASHBOARD_NOT_BUILT');
  });

  it('takes JSON in UTF-8 only, and only JSON on JSON routes', async () => {
    const hello = { hello: 'world' };
    const utf16 = Buffer.from(JSON.stringify(hello), 'utf16le');
    for (const contentType of ['application/json; charset=utf-16', 'application/json; charset="latin1"']) {
      const answer = await api.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: utf16,
        headers: { 'content-type': contentType },
      });
      expectError(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    for (const contentType of ['application/json', 'application/json; charset=UTF-8']) {
      const answer = await api.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: JSON.stringify(hello),
        headers: { 'content-type': contentType },
      });
      expectError(answer, 400, 'MESSAGE_UNKNOWN_KIND');
    }
    for (const contentType of ['text/plain', 'application/octet-stream', 'application/xml']) {
      const answer = await api.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: '{}',
        headers: { 'content-type': contentType },
      });
      expectError(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const jsonArtifact = await api.app.inject({
      method: 'POST',
      url: '/v1/artifacts',
      payload: {},
      headers: json,
    });
    expectError(jsonArtifact, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it("answers fastify's body errors in our shape", async () => {
    const post = (payload: string) =>
      api.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: json });
    expectError(await post(''), 400, 'INVALID_ARGUMENT');
    expectError(await post('{nope'), 400, 'INVALID_ARGUMENT');
    expectError(await post('{"__proto__":{"x":1}}'), 400, 'INVALID_ARGUMENT');
  });

  it('answers a bad Range with 416 and the size', async () => {
    const body = Buffer.from('0123456789abcdef');
    const headers = { 'content-type': 'application/octet-stream' };
    await api.app.inject({ method: 'POST', url: '/v1/artifacts', payload: body, headers });
    const stored = cidOfBytes(body);
    const ok = await api.app.inject({ url: `/v1/artifacts/${stored}`, headers: { range: 'bytes=-3' } });
    expect([ok.statusCode, ok.body]).toEqual([206, 'def']);
    for (const range of [
      'bytes=abc',
      'bytes=0-1,4-5',
      'items=0-1',
      'bytes=16-',
      'bytes=9-3',
      'bytes=-0',
      'bytes=-',
    ]) {
      const answer = await api.app.inject({ url: `/v1/artifacts/${stored}`, headers: { range } });
      expect(answer.headers['content-range'], range).toBe('bytes */16');
      expect(expectError(answer, 416, 'RANGE_NOT_SATISFIABLE').details).toEqual({ size: 16 });
    }
  });

  it('takes query numbers as plain decimal integers in range only', async () => {
    const list = (limit: string) => api.app.inject({ url: `/v1/jobs?limit=${encodeURIComponent(limit)}` });
    for (const bad of ['0x10', '1e1', ' 5', '5.0', '-1', '0', '501', '+5', '', '١٢']) {
      expectError(await list(bad), 400, 'INVALID_ARGUMENT');
    }
    expectError(await api.app.inject({ url: '/v1/jobs?limit=1&limit=2' }), 400, 'INVALID_ARGUMENT');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.string({ maxLength: 6 })),
        async (limit) => {
          const accepted = /^[0-9]+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 500;
          const answer = await list(limit);
          expect(answer.statusCode, limit).toBe(accepted ? 200 : 400);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('limits each route to the body it needs, with BODY_TOO_LARGE', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(100 * 1024) });
    const spec = await api.app.inject({ method: 'POST', url: '/v1/jobs', payload: big, headers: json });
    expect(expectError(spec, 413, 'BODY_TOO_LARGE').details).toEqual({ limit: 64 * 1024 });
    // A batch may be larger: this one is read, and refused for what it holds.
    const batch = await api.app.inject({
      method: 'POST',
      url: '/v1/jobs/batch',
      payload: big,
      headers: json,
    });
    expectError(batch, 400, 'INVALID_ARGUMENT');
    const tooBigBatch = JSON.stringify({ jobs: [], padding: 'x'.repeat(3 * 1024 * 1024) });
    const refused = await api.app.inject({
      method: 'POST',
      url: '/v1/jobs/batch',
      payload: tooBigBatch,
      headers: json,
    });
    expectError(refused, 413, 'BODY_TOO_LARGE');
  });

  it('refuses a declared 50 MB JSON body without reading it', async () => {
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${address}/v1/jobs`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 50 * 2 ** 20 } },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write('{"a":'); // a few bytes of the 50 MB announced, then nothing
    });
    expect([status, JSON.parse(body).error.code]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('answers requests the HTTP parser refuses (headers too large, a malformed header) in our shape', async () => {
    if (!api.app.server.listening) await api.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = api.app.server.address() as { port: number };
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk;
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(text));
      });
    const answers = [
      [await raw(`GET /v1/jobs/${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`), 431, 'HEADERS_TOO_LARGE'],
      [await raw('GET /healthz HTTP/1.1\r\nhost: x\r\nbad header: 1\r\n\r\n'), 400, 'INVALID_ARGUMENT'],
    ] as const;
    for (const [text, status, code] of answers) {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head.toLowerCase()).toContain('content-type: application/json');
      expect(JSON.parse(body)).toEqual({
        error: { code, message: expect.any(String), details: expect.any(Object) },
      });
    }
  });

  it('answers HEAD of an event stream with its headers, and ends it', async () => {
    const response = await api.app.inject({ method: 'HEAD', url: '/v1/events' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    expect(response.body).toBe('');
  });
});
